package dev.lowbit.eval.report;

import java.util.Collection;

/** mean and sample standard deviation as numpy computes them (std with ddof=1) */
public final class Stats {
    private Stats() {}

    public static double mean(Collection<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        double s = 0;
        for (double x : xs) s += x;
        return s / xs.size();
    }

    /** sqrt(sum((x - mean)^2) / (n - 1)); NaN for fewer than two values, as numpy gives */
    public static double std(Collection<Double> xs) {
        int n = xs.size();
        if (n < 2) return Double.NaN;
        double m = mean(xs), s = 0;
        for (double x : xs) s += (x - m) * (x - m);
        return Math.sqrt(s / (n - 1));
    }
}
