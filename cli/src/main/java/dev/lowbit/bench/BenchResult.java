package dev.lowbit.bench;

import java.util.List;

/**
 * Everything one `lowbit bench` run measured.
 * @param settings        what was asked
 * @param bandwidthGbs    read bandwidth of the roofline probe (GB/s), or null without --roofline
 * @param rows            lowbit and llama.cpp rows in the order they were measured
 * @param llamaCppMethod  how llama.cpp's figures were taken, or null without --compare
 * @param machine         cores, load average, ISA, OpenMP wait policy when the run started
 */
public record BenchResult(BenchSettings settings, Stats bandwidthGbs, List<BenchRow> rows, String llamaCppMethod,
                          java.util.Map<String, String> machine) {}
