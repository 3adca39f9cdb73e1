package dev.lowbit.generate;

import java.util.Arrays;
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
        int[] cand = topIndices(logits, limit);
        double max = logits[cand[0]];
        double invT = 1.0 / s.temperature();
        // normaliser over the whole (top-k) distribution
        double total = 0;
        if (k == n) {
            for (float l : logits) total += Math.exp((l - max) * invT);
        } else {
            int[] all = limit == k ? cand : topIndices(logits, k);
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
            cand = topIndices(logits, k);
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

    /** indices of the `count` largest logits, largest first (ties: lower index first) */
    static int[] topIndices(float[] logits, int count) {
        int n = logits.length;
        if (count >= n) {
            Integer[] idx = new Integer[n];
            for (int i = 0; i < n; i++) idx[i] = i;
            Arrays.sort(idx, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = idx[i];
            return out;
        }
        // min-heap of the best `count` seen so far
        int[] heap = new int[count];
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (size < count) {
                heap[size] = i;
                siftUp(heap, size++, logits);
            } else if (better(i, heap[0], logits)) {
                heap[0] = i;
                siftDown(heap, size, logits);
            }
        }
        int[] out = new int[size];
        for (int i = size - 1; i >= 0; i--) {
            out[i] = heap[0];
            heap[0] = heap[i];
            siftDown(heap, i, logits);
        }
        return out;
    }

    private static boolean better(int a, int b, float[] l) {
        return l[a] > l[b] || (l[a] == l[b] && a < b);
    }

    private static void siftUp(int[] h, int i, float[] l) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (!better(h[p], h[i], l)) break;
            int t = h[p];
            h[p] = h[i];
            h[i] = t;
            i = p;
        }
    }

    private static void siftDown(int[] h, int size, float[] l) {
        int i = 0;
        while (true) {
            int a = 2 * i + 1, b = a + 1, w = i;
            if (a < size && better(h[w], h[a], l)) w = a;
            if (b < size && better(h[w], h[b], l)) w = b;
            if (w == i) return;
            int t = h[w];
            h[w] = h[i];
            h[i] = t;
            i = w;
        }
    }
}
