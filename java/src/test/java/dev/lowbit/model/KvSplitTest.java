package dev.lowbit.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.quality.QualityMeter;
import dev.lowbit.quality.QualityRow;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Separate K and V cache formats ("kv-k8v4", llama.cpp's -ctk/-ctv) on the trained stories260K model: an equal
 * pair is the single-format plan bit for bit, a mixed pair's damage lies between its two formats' (measured), and
 * the cache counts each pool at its own row size.
 */
class KvSplitTest {
    static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play in the park with her dog. "
            + "One day, she saw a big red ball under a tree and ran to get it.";

    @Test
    void anEqualPairIsTheSingleFormatPlanBitForBit() throws Exception {
        float[][] kv8 = windowLogits("kv8"), k8v8 = windowLogits("kv-k8v8");
        for (int i = 0; i < kv8.length; i++) assertArrayEquals(kv8[i], k8v8[i], "kv8 vs kv-k8v8, position " + i);
        float[][] w16 = windowLogits("w16"), k16v16 = windowLogits("kv-k16v16");
        for (int i = 0; i < w16.length; i++) assertArrayEquals(w16[i], k16v16[i], "w16 vs kv-k16v16, position " + i);
        // and a mixed pair does change them (the K and V pools really are read at their own formats)
        float[][] k8v4 = windowLogits("kv-k8v4");
        boolean differs = false;
        for (int i = 0; i < kv8.length; i++) differs |= !java.util.Arrays.equals(kv8[i], k8v4[i]);
        assertTrue(differs, "kv-k8v4 gave kv8's logits");
    }

    @Test
    void aMixedPairLiesBetweenItsTwoFormats() throws Exception {
        StringBuilder text = new StringBuilder();
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withBatch(4))) {
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int s = 1; s <= 4; s++)
                reqs.add(new GenerationRequest(m.textPrompt("Once upon a time"), new SamplerSettings(0.8, 1.0, 0, s), 300, List.of(), null));
            for (GenerationResult r : m.generateAll(reqs, null, null)) text.append("Once upon a time").append(r.text()).append('\n');
        }
        List<QuantPlan> plans = new ArrayList<>();
        for (String s : new String[] {"kv8", "kv-k8v4", "kv-k4v8", "kv4"}) plans.add(QuantPlan.parse(s));
        List<QualityRow> list = QualityMeter.measure(TestModels.stories(), LoadOptions.defaults(), QuantPlan.W16, plans, text.toString(), 256, null);
        list.forEach(r -> System.out.printf("%-10s kld %.6f top1 %.4f%n", r.plan(), r.kldMean(), r.top1Agreement()));
        Map<String, Double> kld = list.stream().collect(Collectors.toMap(QualityRow::plan, QualityRow::kldMean));
        assertTrue(kld.get("kv8") < kld.get("kv-k8v4") && kld.get("kv-k8v4") < kld.get("kv4"),
                "kv-k8v4 KLD " + kld.get("kv-k8v4") + " not between kv8 " + kld.get("kv8") + " and kv4 " + kld.get("kv4"));
        // K is the sensitive cache here (measured: 4-bit K with 8-bit V does nearly all of kv4's damage, so
        // kv-k4v8 sits within a few percent of kv4, on either side on other texts): only the order against kv-k8v4
        assertTrue(kld.get("kv-k8v4") < kld.get("kv-k4v8") && kld.get("kv8") < kld.get("kv-k4v8"),
                "kv-k4v8 KLD " + kld.get("kv-k4v8") + " vs kv-k8v4 " + kld.get("kv-k8v4"));
    }

    @Test
    void eachPoolIsCountedAtItsOwnFormat() throws Exception {
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse("kv-k8v4")))) {
            KvCache c = m.internals().transformer().kv();
            int hd = m.config().headDim(), layers = m.config().nLayer(), nkv = m.config().nKvHead(), g = Math.min(128, hd);
            long k8 = Format.KV8.rowBytes(g, hd), v4 = Format.KV4.rowBytes(g, hd);
            assertTrue(k8 != v4);
            assertEquals(Format.KV8, c.kFormat);
            assertEquals(Format.KV4, c.format);
            assertEquals((long) layers * nkv * (k8 + v4), c.bytesPerToken());
            KvCache.Shape s = KvCache.Shape.of(QuantPlan.parse("kv-k16v4"), layers, nkv, hd, 256, 512);
            assertEquals(2L * hd, s.kRowBytes());
            assertEquals(v4, s.vRowBytes());
            assertEquals((2L * hd + v4) * nkv * 256 * layers, s.blockBytes());
            // a grouped K beside an F16 V keeps its group
            KvCache.Shape k4 = KvCache.Shape.of(QuantPlan.parse("kv-k4v16"), layers, nkv, hd, 256, 512);
            assertEquals(g, k4.group());
            assertEquals(Format.KV4.rowBytes(g, hd), k4.kRowBytes());
        }
    }

    private static float[][] windowLogits(String plan) throws Exception {
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse(plan)))) {
            return TestModels.logits(m, m.tokenize(STORY, true));
        }
    }
}
