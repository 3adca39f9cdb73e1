/**
 * JMH benchmarks of the native kernels, so maintainers can compare kernel variants.
 *
 * <pre>
 * # build (bindings + engine + this module; the native library is built by the bindings module)
 * mvn -q -pl tests -am package -DskipTests
 * # everything (405 matmul + 24 attention + 16 Hadamard trials, ~2 s each with setup and fork: about 15 minutes)
 * java -jar tests/target/benchmarks.jar
 * # a subset: a regex over benchmark names, and -p to pin parameters (comma-separated values)
 * java -jar tests/target/benchmarks.jar MatmulBench -p isa=avx512,avx2 -p format=Q4_0,W4G -p shape=4864x896 -p ntok=1
 * java -jar tests/target/benchmarks.jar AttentionBench -p ctx=32768 -p isa=avx512
 * java -jar tests/target/benchmarks.jar AttentionBench -p isa=avx512 -p threads=1,2 -p headDim=64,128
 * java -jar tests/target/benchmarks.jar HadamardBench -p n=896,1024
 * # more threads, longer runs, JSON output
 * java -jar tests/target/benchmarks.jar MatmulBench -p threads=2 -wi 3 -i 5 -r 1s -rf json -rff matmul.json
 * </pre>
 *
 * <ul>
 * <li>{@link dev.lowbit.jmh.MatmulBench}: ISA level (scalar / avx2 / avx512) x weight format
 *     (F16, Q8_0, Q4_0, Q4_K, W4G/W3G/W2G g128, I8CH, I4CH) x shape (Qwen2.5-0.5B 896x896, 4864x896,
 *     896x4864; R1-Distill-Qwen-1.5B 1536x1536, 8960x1536) x ntok (1 = GEMV, 4 and 16 = small GEMM).</li>
 * <li>{@link dev.lowbit.jmh.AttentionBench}: one decode token over 1K / 8K / 32K tokens of paged
 *     KV cache in F16, KV8, KV4, KV3 (Qwen2.5-0.5B heads: 14 q, 2 kv, head_dim 64; -p headDim=128 for
 *     R1-Distill-Qwen-1.5B's 12 q, 2 kv, head_dim 128; -p threads=2 splits the row across threads).</li>
 * <li>{@link dev.lowbit.jmh.HadamardBench}: lb_hadamard at n = 896, 4864, 1024, 4096.</li>
 * </ul>
 * Each trial prints the bytes it reads per call, so bandwidth = bytes / (µs per op). Trials a
 * CPU cannot run (an ISA it lacks) or a format cannot represent (Q4_K rows must be a multiple of
 * 256 elements, so 896-column shapes fail) end with an error line and JMH goes on.
 * Defaults are light (1 fork, 1 x 0.5 s warm-up, 2 x 0.5 s measurement, 1 thread); on a shared
 * machine raise -wi / -i and compare variants measured in the same run.
 */
package dev.lowbit.jmh;
