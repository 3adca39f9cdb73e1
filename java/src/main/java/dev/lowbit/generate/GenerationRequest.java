package dev.lowbit.generate;

import java.util.List;

/**
 * One sequence to generate: prompt token ids, sampling, limits and an optional listener that
 * receives each token's text as soon as it is complete (streaming-safe UTF-8).
 */
public record GenerationRequest(int[] prompt, SamplerSettings sampler, int maxTokens, List<String> stop,
                                TokenListener listener, BudgetForcing budget) {
    public GenerationRequest {
        if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("empty prompt");
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0");
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    /** without budget forcing */
    public GenerationRequest(int[] prompt, SamplerSettings sampler, int maxTokens, List<String> stop, TokenListener listener) {
        this(prompt, sampler, maxTokens, stop, listener, null);
    }

    @FunctionalInterface
    public interface TokenListener {
        void onToken(int id, String textDelta);
    }
}
