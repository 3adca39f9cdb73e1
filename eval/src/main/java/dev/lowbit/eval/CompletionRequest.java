package dev.lowbit.eval;

import dev.lowbit.generate.BudgetForcing;

/** One generation to run: the user turn (before the chat template) and its sampling settings. */
public record CompletionRequest(String id, String userMessage, double temperature, double topP, int topK, int maxTokens, long seed,
                                BudgetForcing budget) {
    /** without budget forcing */
    public CompletionRequest(String id, String userMessage, double temperature, double topP, int topK, int maxTokens, long seed) {
        this(id, userMessage, temperature, topP, topK, maxTokens, seed, null);
    }
}
