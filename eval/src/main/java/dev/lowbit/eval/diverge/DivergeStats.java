package dev.lowbit.eval.diverge;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The aggregates of a diverge run.
 *
 * @param medianDiffStep median first-divergence step over the diverged traces (NaN if none diverged)
 * @param recoveredShare share of diverged traces whose quantized answer is still judged correct
 * @param klByStep       mean per-step KL at each step position, over the problems whose 16-bit trace has that step with tokens
 * @param diffHistogram  diverged traces per first-divergence step
 */
public record DivergeStats(int problems, double accBase, double accQuant, int diverged, double medianDiffStep, double recoveredShare,
                           double sameAnswerShare, double medianNewStep, double klMean, double top1, double[] klByStep,
                           double[] top1ByStep, int[] problemsByStep, int[] diffHistogram) {

    public static DivergeStats of(List<DivergeRecord> rs) {
        int n = rs.size(), okB = 0, okQ = 0, div = 0, rec = 0, same = 0, steps = 0, maxDiff = -1;
        List<Double> diff = new ArrayList<>(), fresh = new ArrayList<>();
        double klSum = 0, top1Sum = 0;
        int klN = 0;
        for (DivergeRecord r : rs) {
            if (r.base().correct()) okB++;
            if (r.quant().correct()) okQ++;
            if (r.diverged()) {
                div++;
                diff.add((double) r.firstDiffStep());
                maxDiff = Math.max(maxDiff, r.firstDiffStep());
                if (Boolean.TRUE.equals(r.recovered())) rec++;
                if (r.sameAnswer()) same++;
                if (r.firstNewStep() != null) fresh.add((double) r.firstNewStep());
            }
            if (r.klMean() != null) {
                klSum += r.klMean();
                top1Sum += r.top1();
                klN++;
            }
            steps = Math.max(steps, r.stepKl().length);
        }
        double[] kl = new double[steps], top1 = new double[steps];
        int[] count = new int[steps];
        for (DivergeRecord r : rs)
            for (int s = 0; s < r.stepKl().length; s++)
                if (r.stepKl()[s] != null) {
                    kl[s] += r.stepKl()[s];
                    top1[s] += r.stepTop1()[s];
                    count[s]++;
                }
        for (int s = 0; s < steps; s++) {
            kl[s] = count[s] == 0 ? Double.NaN : kl[s] / count[s];
            top1[s] = count[s] == 0 ? Double.NaN : top1[s] / count[s];
        }
        int[] hist = new int[maxDiff + 1];
        for (DivergeRecord r : rs) if (r.diverged()) hist[r.firstDiffStep()]++;
        return new DivergeStats(n, share(okB, n), share(okQ, n), div, median(diff), share(rec, div), share(same, div), median(fresh),
                klN == 0 ? Double.NaN : klSum / klN, klN == 0 ? Double.NaN : top1Sum / klN, kl, top1, count, hist);
    }

    private static double share(int k, int n) {
        return n == 0 ? Double.NaN : k / (double) n;
    }

    /** the middle value, or the mean of the two middle ones */
    static double median(List<Double> xs) {
        if (xs.isEmpty()) return Double.NaN;
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int m = s.size() / 2;
        return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
    }
}
