package dev.lowbit.quality;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Quantization damage on the real trained stories260K model over a TinyStories-style text of
 * > 2,000 tokens that the model writes itself (6 sampled stories): fewer bits, more damage.
 */
class QualityOrderingTest {
    static Map<String, QualityRow> rows;

    @BeforeAll
    static void measure() throws Exception {
        Path p = TestModels.stories();
        StringBuilder text = new StringBuilder();
        try (LowbitModel m = LowbitModel.load(p, LoadOptions.defaults().withBatch(6))) {
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int s = 1; s <= 6; s++)
                reqs.add(new GenerationRequest(m.textPrompt("Once upon a time"), new SamplerSettings(0.8, 1.0, 0, s), 400, List.of(), null));
            for (GenerationResult r : m.generateAll(reqs, null, null)) text.append("Once upon a time").append(r.text()).append('\n');
            assertTrue(m.tokenize(text.toString(), false).length >= 2000, "text too short");
        }
        List<QuantPlan> plans = new ArrayList<>();
        for (String s : new String[] {"w8a8", "w4a16-g128", "w3a16-g128", "w2a16-g128", "kv8", "kv4", "kv4-rot", "kv3", "w4a4kv4", "head8", "head4"})
            plans.add(QuantPlan.parse(s));
        List<QualityRow> list = QualityMeter.measure(p, LoadOptions.defaults(), QuantPlan.W16, plans, text.toString(), 256, null);
        list.forEach(r -> System.out.printf("%-12s bpw %.2f ppl %.4f (base %.4f) kld %.6f p99 %.6f top1 %.4f rms %.5f%n", r.plan(),
                r.bitsPerWeight(), r.ppl(), r.basePpl(), r.kldMean(), r.kldP99(), r.top1Agreement(), r.rmsLogitDiff()));
        rows = list.stream().collect(Collectors.toMap(QualityRow::plan, Function.identity()));
    }

    private static double kld(String plan) {
        return rows.get(plan).kldMean();
    }

    @Test
    void weightOnlyDamageGrowsAsBitsShrink() {
        assertTrue(kld("w8a8") < kld("w4a16-g128"));
        assertTrue(kld("w4a16-g128") < kld("w3a16-g128"));
        assertTrue(kld("w3a16-g128") < kld("w2a16-g128"));
        assertTrue(rows.get("w4a16-g128").bitsPerWeight() > rows.get("w3a16-g128").bitsPerWeight());
    }

    @Test
    void kvCacheDamageGrowsAsBitsShrink() {
        assertTrue(kld("kv8") < kld("kv4"));
        assertTrue(kld("kv4") < kld("kv3"));
    }

    @Test
    void rotatingKeysAndValuesReducesKv4Damage() {
        assertTrue(kld("kv4-rot") < kld("kv4"), "kv4-rot " + kld("kv4-rot") + " vs kv4 " + kld("kv4"));
    }

    @Test
    void quantizedHeadDamageFollowsItsBits() {
        assertTrue(rows.get("head8").top1Agreement() >= 0.98, "head8 top-1 agreement " + rows.get("head8").top1Agreement());
        assertTrue(kld("head8") < kld("head4"), "head8 " + kld("head8") + " vs head4 " + kld("head4"));
        assertTrue(kld("head4") > 0);
    }

    @Test
    void w8a8IsNearlyLossless() {
        assertTrue(rows.get("w8a8").top1Agreement() >= 0.98, "w8a8 top-1 agreement " + rows.get("w8a8").top1Agreement());
        assertTrue(kld("w8a8") < 0.01);
    }

    @Test
    void basePerplexityIsTheSameForEveryPlanAndSane() {
        double base = rows.get("w8a8").basePpl();
        for (QualityRow r : rows.values()) assertEquals(base, r.basePpl(), 1e-9);
        assertTrue(base > 1 && base < 20, "base ppl " + base);
    }
}
