package dev.lowbit.eval;

import dev.lowbit.generate.BudgetForcing;

/** Sampling settings for every request of a run (topK 0: no top-k cut). */
public record GenerationSettings(double temperature, double topP, int topK, int maxTokens, BudgetForcing budget) {
    public GenerationSettings {
        if (temperature < 0 || topP <= 0 || topP > 1 || topK < 0 || maxTokens < 1) {
            throw new IllegalArgumentException("bad generation settings: T=" + temperature + " top-p=" + topP + " top-k=" + topK
                    + " max=" + maxTokens);
        }
        if (budget == null) budget = new BudgetForcing(0, 0);
    }

    /** without budget forcing */
    public GenerationSettings(double temperature, double topP, int topK, int maxTokens) {
        this(temperature, topP, topK, maxTokens, null);
    }

    /** without a top-k cut */
    public GenerationSettings(double temperature, double topP, int maxTokens) {
        this(temperature, topP, 0, maxTokens);
    }

    public GenerationSettings withBudget(BudgetForcing b) {
        return new GenerationSettings(temperature, topP, topK, maxTokens, b);
    }

    /** the study's: T=0.6, top-p 0.95, 32,768 tokens (prompt + output within the context) */
    public static GenerationSettings studyDefaults() {
        return new GenerationSettings(0.6, 0.95, 32768);
    }

    /**
     * the study's per-model sampling preset: QwQ runs with top_k = 30 (the authors' inference code sets
     * it for QwQ only); other models with no top-k cut
     */
    public static int presetTopK(String modelName) {
        return modelName != null && modelName.toLowerCase(java.util.Locale.ROOT).contains("qwq") ? 30 : 0;
    }
}
