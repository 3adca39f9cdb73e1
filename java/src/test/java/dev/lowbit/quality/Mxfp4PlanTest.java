package dev.lowbit.quality;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The MXFP4 plan (W4A4: MXFP4 weights, activations quantized to MXFP4 per 32 at run time) on the real
 * stories260K model: it runs with finite logits, and its damage against w16, measured on a text the model
 * writes itself, lies between w8a8's and w2a16's (the ordering is asserted, the values measured).
 */
class Mxfp4PlanTest {
    @Test
    void runsWithFiniteLogitsAndDamageBetweenW8a8AndW2a16() throws Exception {
        Path p = TestModels.stories();
        String text = TestModels.ownStories(p, 3, 300);
        try (LowbitModel m = LowbitModel.load(p, LoadOptions.defaults().withPlan(QuantPlan.parse("mxfp4")))) {
            int[] toks = m.tokenize(text.substring(0, Math.min(400, text.length())), true);
            for (float[] row : TestModels.logits(m, toks))
                for (float v : row) assertTrue(Float.isFinite(v), "non-finite logit under mxfp4");
        }
        List<QuantPlan> plans = new ArrayList<>();
        for (String s : new String[] {"w8a8", "mxfp4", "w2a16-g128"}) plans.add(QuantPlan.parse(s));
        Map<String, QualityRow> rows = QualityMeter.measure(p, LoadOptions.defaults(), QuantPlan.W16, plans, text, 256, null)
                .stream().collect(Collectors.toMap(QualityRow::plan, Function.identity()));
        rows.values().forEach(r -> System.out.printf("%-12s kld %.6f top1 %.4f ppl %.4f (base %.4f)%n", r.plan(), r.kldMean(),
                r.top1Agreement(), r.ppl(), r.basePpl()));
        double w8 = rows.get("w8a8").kldMean(), mx = rows.get("mxfp4").kldMean(), w2 = rows.get("w2a16-g128").kldMean();
        assertTrue(Double.isFinite(mx) && mx > 0, "mxfp4 KL " + mx);
        assertTrue(w8 < mx, "w8a8 KL " + w8 + " should be below mxfp4's " + mx);
        assertTrue(mx < w2, "mxfp4 KL " + mx + " should be below w2a16-g128's " + w2);
    }
}
