package dev.lowbit.quality;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** lowbit ppl --save-base: a saved base gives the live comparison's numbers, or their top-k coarsening. */
class SavedBaseTest {
    private static final String TEXT = "Once upon a time, there was a little dog named Max. Max liked to run in the park with his ball. "
            + "One day, Max saw a big red bird. The bird was sad because it lost its way home. Max wanted to help. ";

    @Test
    void topKCoarseningIsTheKlOfTheBucketedDistributions() {
        float[] base = {2f, 1f, 0f, -1f, -3f}, plan = {1f, 2f, 0f, 0f, -2f};
        SavedBase.Position p = SavedBase.summarize(base, 2, 2);
        assertArrayEquals(new int[] {0, 1}, p.ids());
        LogitStats st = new LogitStats();
        st.addSaved(p, plan, 2);
        // by hand: buckets {0}, {1}, {2, 3, 4}
        double zb = sumExp(base), zp = sumExp(plan);
        double[] pb = {Math.exp(2) / zb, Math.exp(1) / zb, (1 + Math.exp(-1) + Math.exp(-3)) / zb};
        double[] pp = {Math.exp(1) / zp, Math.exp(2) / zp, (1 + 1 + Math.exp(-2)) / zp};
        double kl = 0;
        for (int i = 0; i < 3; i++) kl += pb[i] * Math.log(pb[i] / pp[i]);
        QualityRow r = st.row("x", 4);
        assertEquals(kl, r.kldMean(), 1e-6);
        assertEquals(0.0, r.top1Agreement(), "base argmax 0, plan argmax 1");
        assertEquals(Math.exp(-Math.log(1 / zb)), r.basePpl(), 1e-4, "the target (token 2, logit 0) log-probability");
        assertTrue(Double.isNaN(r.rmsLogitDiff()), "no RMS without the base's logits");
    }

    @Test
    void topIdsAreTheFullSortsFirstK() {
        java.util.Random rnd = new java.util.Random(5);
        float[] l = new float[1000];
        for (int i = 0; i < l.length; i++) l[i] = rnd.nextInt(50) / 4f;  // many ties
        Integer[] all = new Integer[l.length];
        for (int i = 0; i < all.length; i++) all[i] = i;
        java.util.Arrays.sort(all, (a, b) -> l[a] != l[b] ? Float.compare(l[b], l[a]) : Integer.compare(a, b));
        for (int k : new int[] {1, 7, 256, 1000})
            assertArrayEquals(java.util.Arrays.stream(all).limit(k).mapToInt(Integer::intValue).toArray(), dev.lowbit.util.TopK.indices(l, k), "k=" + k);
    }

    @Test
    void savedBaseMatchesLiveComparisonAndSmallTopKBoundsIt(@TempDir Path dir) throws Exception {
        Path m = TestModels.stories();
        LoadOptions o = LoadOptions.defaults();
        String text = TEXT.repeat(4);
        List<QuantPlan> plans = List.of(QuantPlan.parse("w3a16-g128"));
        QualityRow live = QualityMeter.measure(m, o, QuantPlan.W16, plans, text, 48, null).get(0);
        List<QualityMeter.Candidate> c = List.of(new QualityMeter.Candidate("w3a16-g128", m, plans.get(0)));

        Path full = dir.resolve("full.lbkl");
        QualityMeter.saveBase(m, o, QuantPlan.W16, 48, text, 100_000, full, null);
        QualityRow all = QualityMeter.measure(SavedBase.read(full), o, c, text, null).get(0);
        assertEquals(live.tokens(), all.tokens());
        assertEquals(live.kldMean(), all.kldMean(), 1e-5 * live.kldMean());
        assertEquals(live.top1Agreement(), all.top1Agreement(), 0.0);
        assertEquals(live.ppl(), all.ppl(), 0.0, "the plan's own perplexity is computed as live");
        assertEquals(live.basePpl(), all.basePpl(), 1e-6 * live.basePpl());

        Path small = dir.resolve("small.lbkl");
        QualityMeter.saveBase(m, o, QuantPlan.W16, 48, text, 4, small, null);
        QualityRow top4 = QualityMeter.measure(SavedBase.read(small), o, c, text, null).get(0);
        assertTrue(top4.kldMean() <= live.kldMean() * (1 + 1e-6) && top4.kldMean() > 0.2 * live.kldMean(),
                "coarsened KL " + top4.kldMean() + " against " + live.kldMean());
        assertEquals(live.top1Agreement(), top4.top1Agreement(), 0.0);
        assertTrue(Files.size(small) < Files.size(full) / 10);
    }

    @Test
    void truncatedOrForeignFilesAndOtherTextsAreRefused(@TempDir Path dir) throws Exception {
        Path m = TestModels.stories();
        Path f = dir.resolve("b.lbkl");
        QualityMeter.saveBase(m, LoadOptions.defaults(), QuantPlan.W16, 48, TEXT.repeat(4), 16, f, null);
        byte[] bytes = Files.readAllBytes(f);
        Files.write(dir.resolve("cut.lbkl"), java.util.Arrays.copyOf(bytes, bytes.length - 7));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SavedBase.read(dir.resolve("cut.lbkl"))).getMessage().contains("truncated"));
        Files.writeString(dir.resolve("text.lbkl"), "not a base at all");
        assertThrows(IllegalArgumentException.class, () -> SavedBase.read(dir.resolve("text.lbkl")));
        List<QualityMeter.Candidate> c = List.of(new QualityMeter.Candidate("w8a8", m, QuantPlan.parse("w8a8")));
        assertThrows(IllegalArgumentException.class,
                () -> QualityMeter.measure(SavedBase.read(f), LoadOptions.defaults(), c, TEXT.repeat(5), null));
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".part")), "no temporary file left behind");
        }
    }

    private static double sumExp(float[] l) {
        double s = 0;
        for (float v : l) s += Math.exp(v);
        return s;
    }
}
