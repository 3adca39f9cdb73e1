package dev.lowbit.quality;

import java.util.Arrays;

/** Accumulates per-token comparisons of two logit rows (base vs quantized). */
final class LogitStats {
    private double nllBase, nllPlan, sqDiff;
    private long sqCount;
    private int agree, count;
    private double[] kld = new double[256];

    /** one scored position: next token `target`; rows are raw logits of equal length */
    void add(float[] base, float[] plan, int target) {
        double lseB = logSumExp(base), lseP = logSumExp(plan);
        nllBase += lseB - base[target];
        nllPlan += lseP - plan[target];
        for (int i = 0; i < base.length; i++) {
            double d = base[i] - plan[i];
            sqDiff += d * d;
        }
        sqCount += base.length;
        if (argmax(base) == argmax(plan)) agree++;
        if (count == kld.length) kld = Arrays.copyOf(kld, count * 2);
        kld[count++] = kl(base, lseB, plan, lseP);
    }

    /** KL(softmax(base) || softmax(plan)) of one position, given each row's log-sum-exp; rounding below 0 is clamped */
    static double kl(float[] base, double lseB, float[] plan, double lseP) {
        double kl = 0;
        for (int i = 0; i < base.length; i++) {
            double lpB = base[i] - lseB, lpP = plan[i] - lseP;
            kl += Math.exp(lpB) * (lpB - lpP);
        }
        return Math.max(0, kl);
    }

    /** the first index of the largest logit */
    static int argmax(float[] l) {
        int a = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[a]) a = i;
        return a;
    }

    /**
     * one scored position against a saved base (SavedBase): KL over the base's top-k tokens plus
     * the rest bucket, exact top-1 and perplexities, no RMS (the base's other logits are not kept)
     */
    void addSaved(SavedBase.Position base, float[] plan, int target) {
        double lseP = logSumExp(plan);
        nllBase -= base.targetLogProb();
        nllPlan += lseP - plan[target];
        boolean[] top = new boolean[plan.length];
        double kl = 0;
        for (int i = 0; i < base.ids().length; i++) {
            int id = base.ids()[i];
            top[id] = true;
            double lpB = base.logProbs()[i];
            kl += Math.exp(lpB) * (lpB - (plan[id] - lseP));
        }
        if (base.restLogProb() != Float.NEGATIVE_INFINITY) {
            double restP = SavedBase.restLogSumExp(plan, top) - lseP;
            kl += Math.exp(base.restLogProb()) * (base.restLogProb() - restP);
        }
        if (argmax(plan) == base.argmax()) agree++;
        if (count == kld.length) kld = Arrays.copyOf(kld, count * 2);
        kld[count++] = Math.max(0, kl);
    }

    static double logSumExp(float[] l) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : l) max = Math.max(max, v);
        double s = 0;
        for (float v : l) s += Math.exp(v - max);
        return max + Math.log(s);
    }

    QualityRow row(String plan, double bitsPerWeight) {
        double[] k = Arrays.copyOf(kld, count);
        Arrays.sort(k);
        double mean = Arrays.stream(k).average().orElse(Double.NaN);
        double p99 = count == 0 ? Double.NaN : k[Math.min(count - 1, (int) Math.ceil(0.99 * count) - 1)];
        return new QualityRow(plan, Math.exp(nllPlan / count), Math.exp(nllBase / count), mean, p99,
                count == 0 ? Double.NaN : agree / (double) count, sqCount == 0 ? Double.NaN : Math.sqrt(sqDiff / sqCount), bitsPerWeight, count);
    }
}
