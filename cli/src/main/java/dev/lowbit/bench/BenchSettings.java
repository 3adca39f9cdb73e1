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
 * @param depth         d: positions of context every test sequence holds before it is timed
 *                      (llama-bench's -d); filled with synthetic K/V, not by a prefill (0: none)
 */
public record BenchSettings(int promptTokens, int genTokens, int[] batches, int threads, int reps, int ubatch,
                            int decodePrompt, int depth) {
    /** the settings without a context depth */
    public BenchSettings(int promptTokens, int genTokens, int[] batches, int threads, int reps, int ubatch, int decodePrompt) {
        this(promptTokens, genTokens, batches, threads, reps, ubatch, decodePrompt, 0);
    }

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
        if (depth < 0 || depth > MAX_DEPTH) throw new IllegalArgumentException("--depth must be in 0.." + MAX_DEPTH + ", got " + depth);
        batches = Arrays.stream(batches).distinct().sorted().toArray();
    }

    /** the deepest context --depth accepts (1M tokens) */
    public static final int MAX_DEPTH = 1 << 20;

    public int maxBatch() {
        return Arrays.stream(batches).max().orElse(1);
    }

    /** tokens one sequence must hold: the depth plus the pp prompt, or plus the decode steps (after a decode prompt when there is no depth) */
    public int contextNeeded() {
        return depth + Math.max(promptTokens, (depth > 0 ? 0 : decodePrompt) + genTokens) + 1;
    }

    /** "pp512", or "pp512@d32768" at a depth */
    public String ppName() {
        return "pp" + promptTokens + depthSuffix();
    }

    /** "tg128", or "tg128@d32768" at a depth */
    public String tgName() {
        return "tg" + genTokens + depthSuffix();
    }

    /** the decode test at batch b: "tg128", "tg128@b16", "tg128@b16@d32768" */
    public String tgName(int batch) {
        return batch == 1 ? tgName() : "tg" + genTokens + "@b" + batch + depthSuffix();
    }

    private String depthSuffix() {
        return depth > 0 ? "@d" + depth : "";
    }
}
