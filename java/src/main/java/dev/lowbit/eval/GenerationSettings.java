package dev.lowbit.eval;

/** Sampling settings for every request of a run. */
public record GenerationSettings(double temperature, double topP, int maxTokens) {
    public GenerationSettings {
        if (temperature < 0 || topP <= 0 || topP > 1 || maxTokens < 1) {
            throw new IllegalArgumentException("bad generation settings: T=" + temperature + " top-p=" + topP + " max=" + maxTokens);
        }
    }

    /** the study's: T=0.6, top-p 0.95, 32,768 tokens (prompt + output within the context) */
    public static GenerationSettings studyDefaults() {
        return new GenerationSettings(0.6, 0.95, 32768);
    }
}
