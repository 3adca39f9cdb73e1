package dev.lowbit.generate;

import dev.lowbit.util.TopK;
import java.util.SplittableRandom;

/**
 * Temperature, top-k and nucleus (top-p) sampling over one logit row, with its own seeded RNG
 * (one sampler per sequence, so batching never changes which random numbers a sequence gets).
 * Nucleus sampling looks at a partial top list first and falls back to a full sort only when
 * the nucleus does not fit in it; the result is the same as a full sort.
 */
public final class Sampler {
    private static final int PARTIAL = 1024;
    private final SamplerSettings s;
    private final SplittableRandom rng;

    public Sampler(SamplerSettings s) {
        this.s = s;
        this.rng = new SplittableRandom(s.seed());
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    public int sample(float[] logits) {
        if (s.temperature() <= 0) return argmax(logits);
        int n = logits.length;
        int k = s.topK() > 0 ? Math.min(s.topK(), n) : n;
        int limit = Math.min(k, PARTIAL);
        int[] cand = TopK.indices(logits, limit);
        double max = logits[cand[0]];
        double invT = 1.0 / s.temperature();
        // normaliser over the whole (top-k) distribution
        double total = 0;
        if (k == n) {
            for (float l : logits) total += Math.exp((l - max) * invT);
        } else {
            int[] all = limit == k ? cand : TopK.indices(logits, k);
            for (int i : all) total += Math.exp((logits[i] - max) * invT);
        }
        double mass = 0;
        int m = 0;
        double target = s.topP() * total;
        while (m < cand.length) {
            mass += Math.exp((logits[cand[m]] - max) * invT);
            m++;
            if (mass >= target) break;
        }
        if (mass < target && cand.length < k) { // nucleus wider than the partial list
            cand = TopK.indices(logits, k);
            mass = 0;
            m = 0;
            while (m < cand.length) {
                mass += Math.exp((logits[cand[m]] - max) * invT);
                m++;
                if (mass >= target) break;
            }
        }
        double r = rng.nextDouble() * mass;
        double acc = 0;
        for (int i = 0; i < m; i++) {
            acc += Math.exp((logits[cand[i]] - max) * invT);
            if (r < acc) return cand[i];
        }
        return cand[m - 1];
    }

}
