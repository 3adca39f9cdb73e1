/**
 * Throughput measurement: `lowbit bench`.
 *
 * <pre>
 * lowbit bench -m MODEL[,MODEL...] --quant w16,w8a8,w4a16-g128 -p 512 -n 128 -b 1,4,16 -t 2 -r 5 [--json]
 *              [--compare llama.cpp|llama-bench[=PATH]] [--roofline [--roofline-mib 1024]] [-ub 512]
 * </pre>
 * Per model and plan ({@link dev.lowbit.bench.ThroughputBench}, llama-bench's method: raw forward
 * steps over pseudo-random token ids, one warm-up run, then r timed repetitions, mean ± sample std):
 * <ul>
 * <li>pp{p}: prefill of p tokens into an empty sequence, in forward steps of at most -ub tokens;</li>
 * <li>tg{n}: n single-token decode steps of one sequence after a 4-token prompt;</li>
 * <li>tg{n}@b{B}: B sequences decoding together, one forward of B one-token segments per step;
 *     t/s is the aggregate B x n / time.</li>
 * </ul>
 * Bytes of weights read per token = ModelWeights.bytesPerToken() (every linear, the output head,
 * one embedding row) divided by the tokens one forward step carries; GB/s = t/s x that. KV B/tok
 * is what one token position occupies in the cache over all layers.
 * A {@link dev.lowbit.bench.ReferenceEngine} runs the same file through llama.cpp before lowbit
 * touches it ({@link dev.lowbit.bench.LlamaCppReference}: the de.kherud:llama binding, in process;
 * {@link dev.lowbit.bench.LlamaBench}: llama.cpp's own llama-bench, a subprocess with the same
 * flags) and the ratio lowbit / llama.cpp is printed per test;
 * {@link dev.lowbit.bench.BandwidthProbe} measures read bandwidth (lb_matmul streaming an F32
 * matrix with one token) and each decode row gets its ceiling bandwidth / bytes per token.
 */
package dev.lowbit.bench;
