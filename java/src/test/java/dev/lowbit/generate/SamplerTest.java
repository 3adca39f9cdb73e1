package dev.lowbit.generate;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static float[] logits(int n, long seed, float spread) {
        Random r = new Random(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) r.nextGaussian() * spread;
        return l;
    }

    @Test
    void greedyIsArgmax() {
        float[] l = logits(5000, 1, 3);
        int best = 0;
        for (int i = 0; i < l.length; i++) if (l[i] > l[best]) best = i;
        assertEquals(best, new Sampler(SamplerSettings.greedy()).sample(l));
    }

    @Test
    void topIndicesMatchesAFullSort() {
        float[] l = logits(20000, 2, 1);
        Integer[] all = new Integer[l.length];
        for (int i = 0; i < l.length; i++) all[i] = i;
        Arrays.sort(all, (a, b) -> Float.compare(l[b], l[a]));
        int[] top = dev.lowbit.util.TopK.indices(l, 100);
        for (int i = 0; i < 100; i++) assertEquals(all[i].intValue(), top[i]);
    }

    @Test
    void sameSeedSameTokensAndDifferentSeedsDiffer() {
        float[] l = logits(3000, 3, 1.5f);
        int[] a = new int[200], b = new int[200], c = new int[200];
        Sampler sa = new Sampler(new SamplerSettings(0.8, 0.95, 0, 42));
        Sampler sb = new Sampler(new SamplerSettings(0.8, 0.95, 0, 42));
        Sampler sc = new Sampler(new SamplerSettings(0.8, 0.95, 0, 43));
        for (int i = 0; i < 200; i++) {
            a[i] = sa.sample(l);
            b[i] = sb.sample(l);
            c[i] = sc.sample(l);
        }
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void nucleusNeverSamplesOutsideTheTopPMassAndFollowsTheDistribution() {
        // 4 tokens with probabilities 0.5, 0.3, 0.15, 0.05 at T=1: top-p 0.8 keeps the first two
        float[] l = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};
        Sampler s = new Sampler(new SamplerSettings(1.0, 0.8, 0, 7));
        int[] counts = new int[4];
        int n = 20000;
        for (int i = 0; i < n; i++) counts[s.sample(l)]++;
        assertEquals(0, counts[2]);
        assertEquals(0, counts[3]);
        assertEquals(0.5 / 0.8, counts[0] / (double) n, 0.02);
    }

    @Test
    void nucleusWiderThanThePartialListFallsBackToFullSort() {
        // flat distribution over 5000 tokens: the 0.95 nucleus needs ~4750 tokens (> 1024)
        float[] l = new float[5000];
        Sampler s = new Sampler(new SamplerSettings(1.0, 0.95, 0, 9));
        boolean sawHigh = false;
        for (int i = 0; i < 2000; i++) if (s.sample(l) > 2000) sawHigh = true;
        assertTrue(sawHigh);
    }

    @Test
    void topKRestrictsCandidates() {
        float[] l = logits(1000, 5, 0.1f);
        int[] top = dev.lowbit.util.TopK.indices(l, 3);
        Sampler s = new Sampler(new SamplerSettings(5.0, 1.0, 3, 11));
        for (int i = 0; i < 500; i++) {
            int t = s.sample(l);
            assertTrue(t == top[0] || t == top[1] || t == top[2]);
        }
    }
}
