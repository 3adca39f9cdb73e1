package dev.lowbit.api;

import dev.lowbit.quant.QuantPlan;

/**
 * How to load a model.
 * @param plan          quantization plan applied at load time (w16 keeps the file's formats)
 * @param threads       kernel threads (<= 0: all cores)
 * @param contextLength tokens per sequence (<= 0: the model's context length, capped at 32768)
 * @param maxBatch      sequences decoded together
 * @param ubatch        tokens per forward step (prefill chunk)
 * @param kvBudgetBytes KV cache memory (<= 0: enough for maxBatch full-length sequences)
 * @param chatTemplate  template name, or null to detect it from the GGUF
 * @param weightsFromMapping read matrices kept in the file's format straight from the file mapping (less
 *                      memory; decode ~20% slower: 4 KiB pages) instead of copying them into huge pages
 * @param calibText     calibration text for plans that calibrate at load time (static K scales of
 *                      kvN-kvq plans), or null
 * @param calibSamples  at most this many calibration samples of 512 tokens (the study uses 128)
 * @param batchInvariant every matmul computes each token as a one-token step does, so a sequence's tokens
 *                      do not depend on which sequences share its batch or on how its prompt is chunked
 *                      (off: batched steps are faster, and a token's logits move in the last bits with the
 *                      batch, which can change a sampled token now and then)
 * @param systemPrompt  system turn put before every chat prompt in the template's own syntax, or null for none
 *                      (the study runs without one)
 */
public record LoadOptions(QuantPlan plan, int threads, int contextLength, int maxBatch, int ubatch, long kvBudgetBytes,
                          String chatTemplate, boolean weightsFromMapping, String calibText, int calibSamples,
                          boolean batchInvariant, String systemPrompt) {
    public static final int DEFAULT_CALIB_SAMPLES = 128;

    public LoadOptions(QuantPlan plan, int threads, int contextLength, int maxBatch, int ubatch, long kvBudgetBytes,
                       String chatTemplate, boolean weightsFromMapping) {
        this(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping, null, DEFAULT_CALIB_SAMPLES,
                false, null);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(QuantPlan.W16, 0, 0, 1, 512, 0, null, false);
    }

    /** calibration text (null for none) and the most 512-token samples to take from it */
    public LoadOptions withCalibration(String text, int samples) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping, text, samples, batchInvariant, systemPrompt);
    }

    public LoadOptions withPlan(QuantPlan p) {
        return new LoadOptions(p, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping, calibText, calibSamples, batchInvariant, systemPrompt);
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(plan, t, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping, calibText, calibSamples, batchInvariant, systemPrompt);
    }

    public LoadOptions withContext(int n) {
        return new LoadOptions(plan, threads, n, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping, calibText, calibSamples, batchInvariant, systemPrompt);
    }

    public LoadOptions withBatch(int b) {
        return new LoadOptions(plan, threads, contextLength, b, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping, calibText, calibSamples, batchInvariant, systemPrompt);
    }

    public LoadOptions withKvBudget(long bytes) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, bytes, chatTemplate, weightsFromMapping, calibText, calibSamples, batchInvariant, systemPrompt);
    }

    public LoadOptions withChatTemplate(String name) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, name, weightsFromMapping, calibText, calibSamples, batchInvariant, systemPrompt);
    }

    public LoadOptions withWeightsFromMapping(boolean m) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, m, calibText, calibSamples, batchInvariant, systemPrompt);
    }

    public LoadOptions withBatchInvariant(boolean on) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping, calibText, calibSamples, on, systemPrompt);
    }

    /** a system turn before every chat prompt (null or blank: none) */
    public LoadOptions withSystemPrompt(String text) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping, calibText, calibSamples,
                batchInvariant, text == null || text.isBlank() ? null : text);
    }
}
