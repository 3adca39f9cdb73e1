package dev.lowbit.bench;

import java.util.Arrays;

/**
 * What to measure.
 * @param promptTokens  p: tokens of the prefill test (pp{p}); 0 skips it
 * @param genTokens     n: decode steps of the generation tests (tg{n}); 0 skips them
 * @param batches       batch sizes for aggregate decode (1 is the single-stream tg test)
 * @param threads       kernel threads (>= 1)
 * @param reps          timed repetitions per test (after one warm-up run)
 * @param ubatch        tokens per forward step in prefill (the prompt is chunked by it)
 * @param decodePrompt  tokens each decoding sequence is prefilled with before the timed steps
 */
public record BenchSettings(int promptTokens, int genTokens, int[] batches, int threads, int reps, int ubatch,
                            int decodePrompt) {
    public BenchSettings {
        if (promptTokens < 0) throw new IllegalArgumentException("-p must be >= 0, got " + promptTokens);
        if (genTokens < 0) throw new IllegalArgumentException("-n must be >= 0, got " + genTokens);
        if (promptTokens == 0 && genTokens == 0) throw new IllegalArgumentException("nothing to measure: -p and -n are both 0");
        if (batches == null || batches.length == 0) throw new IllegalArgumentException("-b needs at least one batch size");
        for (int b : batches) if (b < 1 || b > 1024) throw new IllegalArgumentException("batch sizes must be in 1..1024, got " + b);
        if (threads < 1) throw new IllegalArgumentException("-t must be >= 1, got " + threads);
        if (reps < 1) throw new IllegalArgumentException("-r must be >= 1, got " + reps);
        if (ubatch < 1) throw new IllegalArgumentException("--ubatch must be >= 1, got " + ubatch);
        if (decodePrompt < 1) throw new IllegalArgumentException("decode prompt must be >= 1 token");
        batches = Arrays.stream(batches).distinct().sorted().toArray();
    }

    public int maxBatch() {
        return Arrays.stream(batches).max().orElse(1);
    }

    /** tokens one sequence must hold: the pp prompt, or a decode prompt plus n steps */
    public int contextNeeded() {
        return Math.max(promptTokens, decodePrompt + genTokens) + 1;
    }

    public String ppName() {
        return "pp" + promptTokens;
    }

    public String tgName() {
        return "tg" + genTokens;
    }
}
