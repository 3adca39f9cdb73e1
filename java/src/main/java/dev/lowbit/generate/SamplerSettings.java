package dev.lowbit.generate;

/**
 * How the next token is picked. temperature <= 0 means greedy (argmax). topK <= 0 disables
 * top-k; topP >= 1 disables nucleus sampling. The same seed gives the same tokens.
 */
public record SamplerSettings(double temperature, double topP, int topK, long seed) {
    /** the study's defaults: T=0.6, top-p 0.95 */
    public static SamplerSettings study(long seed) {
        return new SamplerSettings(0.6, 0.95, 0, seed);
    }

    public static SamplerSettings greedy() {
        return new SamplerSettings(0, 1, 0, 0);
    }

    public SamplerSettings {
        if (Double.isNaN(temperature) || temperature < 0) throw new IllegalArgumentException("temperature must be >= 0");
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1]");
    }
}
