package dev.lowbit.bench;

/**
 * One measured figure: an engine running one model (under one plan) on one test.
 * Column names follow llama-bench where the figure is the same (model, size, params, backend,
 * threads, test, t/s).
 *
 * @param engine              "lowbit" or "llama.cpp"
 * @param model               GGUF file name
 * @param modelType           architecture and weight format as run (e.g. "qwen2 F16", "qwen2 w4a16-g128")
 * @param plan                lowbit quantization plan ("-" for llama.cpp)
 * @param sizeBytes           bytes of all weights as run (llama-bench "size")
 * @param params              parameter count (llama-bench "params")
 * @param backend             where it ran, e.g. "CPU avx512"
 * @param threads             kernel threads
 * @param test                "pp512", "tg128", or "tg128@b16" for 16 sequences decoding together
 * @param nPrompt             prompt tokens of the test
 * @param nGen                generated tokens per sequence
 * @param batch               sequences decoding together (1 for pp and tg)
 * @param ts                  tokens per second (aggregate over the batch), mean ± std over repetitions
 * @param weightBytesPerToken bytes of weights read per processed token (whole weights / tokens per forward step)
 * @param kvBytesPerToken     bytes of KV cache one token position occupies (all layers, K and V); 0 if unknown
 * @param ceilingTs           memory-bandwidth ceiling of this test in t/s (roofline probe), or null
 * @param ratio               lowbit / llama.cpp t/s on the same file and test, or null
 */
public record BenchRow(String engine, String model, String modelType, String plan, long sizeBytes, long params,
                       String backend, int threads, String test, int nPrompt, int nGen, int batch, Stats ts,
                       double weightBytesPerToken, long kvBytesPerToken, Double ceilingTs, Stats ratio) {

    /** implied weight read bandwidth in GB/s (1e9 bytes) */
    public double gbPerSecond() {
        return ts.mean() * weightBytesPerToken / 1e9;
    }

    public boolean isPrefill() {
        return nGen == 0;
    }

    public BenchRow withCeiling(Double c) {
        return new BenchRow(engine, model, modelType, plan, sizeBytes, params, backend, threads, test, nPrompt, nGen, batch, ts,
                weightBytesPerToken, kvBytesPerToken, c, ratio);
    }

    public BenchRow withRatio(Stats r) {
        return new BenchRow(engine, model, modelType, plan, sizeBytes, params, backend, threads, test, nPrompt, nGen, batch, ts,
                weightBytesPerToken, kvBytesPerToken, ceilingTs, r);
    }
}
