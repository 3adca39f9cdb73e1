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
 */
public record LoadOptions(QuantPlan plan, int threads, int contextLength, int maxBatch, int ubatch, long kvBudgetBytes,
                          String chatTemplate, boolean weightsFromMapping) {
    public static LoadOptions defaults() {
        return new LoadOptions(QuantPlan.W16, 0, 0, 1, 512, 0, null, false);
    }

    public LoadOptions withPlan(QuantPlan p) {
        return new LoadOptions(p, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping);
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(plan, t, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping);
    }

    public LoadOptions withContext(int n) {
        return new LoadOptions(plan, threads, n, maxBatch, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping);
    }

    public LoadOptions withBatch(int b) {
        return new LoadOptions(plan, threads, contextLength, b, ubatch, kvBudgetBytes, chatTemplate, weightsFromMapping);
    }

    public LoadOptions withKvBudget(long bytes) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, bytes, chatTemplate, weightsFromMapping);
    }

    public LoadOptions withChatTemplate(String name) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, name, weightsFromMapping);
    }

    public LoadOptions withWeightsFromMapping(boolean m) {
        return new LoadOptions(plan, threads, contextLength, maxBatch, ubatch, kvBudgetBytes, chatTemplate, m);
    }
}
