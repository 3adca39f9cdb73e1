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
 */
public record LoadOptions(QuantPlan plan, int threads, int contextLength, int maxBatch, int ubatch, long kvBudgetBytes,
                          String chatTemplate) {
    public static LoadOptions defaults() {
        return new LoadOptions(QuantPlan.W16, 0, 0, 1, 512, 0, null);
    }

    public LoadOptions withPlan(QuantPlan p) {
        return new LoadOptions(p, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate);
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(plan, t, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate);
    }

    public LoadOptions withContext(int n) {
        return new LoadOptions(plan, threads, n, maxBatch, ubatch, kvBudgetBytes, chatTemplate);
    }

    public LoadOptions withBatch(int b) {
        return new LoadOptions(plan, threads, contextLength, b, ubatch, kvBudgetBytes, chatTemplate);
    }

    public LoadOptions withKvBudget(long bytes) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, bytes, chatTemplate);
    }

    public LoadOptions withChatTemplate(String name) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, name);
    }
}
