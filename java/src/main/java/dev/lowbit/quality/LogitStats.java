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
        double kl = 0;
        int argB = 0, argP = 0;
        for (int i = 0; i < base.length; i++) {
            double lpB = base[i] - lseB, lpP = plan[i] - lseP;
            double pB = Math.exp(lpB);
            kl += pB * (lpB - lpP);
            double d = base[i] - plan[i];
            sqDiff += d * d;
            if (base[i] > base[argB]) argB = i;
            if (plan[i] > plan[argP]) argP = i;
        }
        sqCount += base.length;
        if (argB == argP) agree++;
        if (count == kld.length) kld = Arrays.copyOf(kld, count * 2);
        kld[count++] = Math.max(0, kl);
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
        int argP = 0;
        for (int i = 1; i < plan.length; i++) if (plan[i] > plan[argP]) argP = i;
        if (argP == base.argmax()) agree++;
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
