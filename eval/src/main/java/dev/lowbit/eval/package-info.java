/**
 * Reasoning benchmarks scored as the quantized-reasoning study scored them.
 *
 * <ul>
 * <li>{@link dev.lowbit.eval.Benchmark}: data set + the study's prompt template + judge.
 *     {@link dev.lowbit.eval.catalogue.Benchmarks} loads GSM8K, MATH-500, AIME-2024/2025/90, AMC23,
 *     GPQA-Diamond (per-seed answer shuffle with {@link dev.lowbit.eval.PythonRandom}, CPython's
 *     Mersenne Twister) and LiveCodeBench ({@code dev.lowbit.eval.lcb}: loader, v4_v5 subset,
 *     sandboxed grading) from the data search path.</li>
 * <li>{@link dev.lowbit.eval.StudyScoring}: the seam to the answer scorers of
 *     {@code dev.lowbit.eval.score} (math extraction/equivalence, GPQA letters).</li>
 * <li>{@link dev.lowbit.eval.run.EvalRunner}: benchmarks × seeds through a
 *     {@link dev.lowbit.eval.CompletionEngine}, one JSONL record per (benchmark, problem, seed),
 *     resumable, with progress and a summary.</li>
 * <li>{@code dev.lowbit.eval.report}: the study's table (AIME-120, mean±std with ddof=1, Avg.,
 *     Drop), Markdown/CSV, and {@code SweepReport} with PNG plots.</li>
 * </ul>
 */
package dev.lowbit.eval;
