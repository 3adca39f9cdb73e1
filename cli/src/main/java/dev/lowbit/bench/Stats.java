package dev.lowbit.bench;

import java.util.Arrays;

/** Mean and sample standard deviation of repeated measurements (e.g. tokens/s per repetition). */
public record Stats(double mean, double std, double[] samples) {
    public static Stats of(double... samples) {
        if (samples.length == 0) throw new IllegalArgumentException("no samples");
        double sum = 0;
        for (double s : samples) sum += s;
        double mean = sum / samples.length;
        double ss = 0;
        for (double s : samples) ss += (s - mean) * (s - mean);
        // sample std (n-1), as llama-bench reports; 0 for a single sample
        double std = samples.length > 1 ? Math.sqrt(ss / (samples.length - 1)) : 0;
        return new Stats(mean, std, samples.clone());
    }

    public double max() {
        return Arrays.stream(samples).max().orElse(Double.NaN);
    }

    /** this / other as a ratio of means, with the std propagated to first order */
    public Stats ratioTo(Stats other) {
        double r = mean / other.mean;
        double rel = Math.sqrt(sq(std / mean) + sq(other.std / other.mean));
        return new Stats(r, Math.abs(r) * rel, new double[] {r});
    }

    private static double sq(double x) {
        return Double.isFinite(x) ? x * x : 0;
    }

    @Override
    public String toString() {
        return String.format("%.2f ± %.2f", mean, std);
    }
}
