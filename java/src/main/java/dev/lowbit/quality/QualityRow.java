package dev.lowbit.quality;

/**
 * Quantization damage of one plan over a text, against a base plan (llama.cpp's
 * `perplexity --kl-divergence` figures): perplexity, KL(base || plan) mean and 99th
 * percentile per token, top-1 agreement, RMS of logit differences, and bits per weight of
 * the linear layers.
 */
public record QualityRow(String plan, double ppl, double basePpl, double kldMean, double kldP99, double top1Agreement,
                         double rmsLogitDiff, double bitsPerWeight, int tokens) {}
