package dev.lowbit.quality;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The study's W4A4 activations on the real stories260K model: per-token asymmetric u4 activations
 * (w4a4-asym, format I4CHA) change the logits against symmetric int4 (w4a4) and damage the model less on a
 * text it writes itself; an activation clip (w4a4-asym-aclip0.9, QuaRot's --a_clip_ratio) gives a finite
 * KL that differs from the unclipped one, and a plan without aclip is untouched by the clamp's wiring.
 */
class AsymW4a4PlanTest {
    @Test
    void asymmetricActivationsBeatSymmetricAndTheClipChangesThem() throws Exception {
        Path p = TestModels.stories();
        String text = TestModels.ownStories(p, 3, 300);
        // w4a4-asym's logits differ from w4a4's (the same rotated weight bytes, other activation codes)
        String head = text.substring(0, Math.min(400, text.length()));
        float[][] sym, asym;
        try (LowbitModel m = LowbitModel.load(p, LoadOptions.defaults().withPlan(QuantPlan.parse("w4a4")))) {
            sym = TestModels.logits(m, m.tokenize(head, true));
        }
        try (LowbitModel m = LowbitModel.load(p, LoadOptions.defaults().withPlan(QuantPlan.parse("w4a4-asym")))) {
            asym = TestModels.logits(m, m.tokenize(head, true));
        }
        int same = 0;
        for (int i = 0; i < sym.length; i++) {
            for (float v : asym[i]) assertTrue(Float.isFinite(v), "non-finite logit under w4a4-asym");
            if (Arrays.equals(sym[i], asym[i])) same++;
        }
        assertTrue(same < sym.length / 2, same + " of " + sym.length + " positions have identical logits under w4a4 and w4a4-asym");

        List<QuantPlan> plans = new ArrayList<>();
        for (String s : new String[] {"w4a4", "w4a4-asym", "w4a4-asym-aclip0.9"}) plans.add(QuantPlan.parse(s));
        Map<String, QualityRow> rows = QualityMeter.measure(p, LoadOptions.defaults(), QuantPlan.W16, plans, text, 256, null)
                .stream().collect(Collectors.toMap(QualityRow::plan, Function.identity()));
        rows.values().forEach(r -> System.out.printf("%-20s kld %.6f top1 %.4f ppl %.4f (base %.4f)%n", r.plan(), r.kldMean(),
                r.top1Agreement(), r.ppl(), r.basePpl()));
        double s = rows.get("w4a4").kldMean(), a = rows.get("w4a4-asym").kldMean(), c = rows.get("w4a4-asym-aclip0.9").kldMean();
        assertTrue(Double.isFinite(a) && a > 0, "w4a4-asym KL " + a);
        assertTrue(a < s, "w4a4-asym KL " + a + " should be below w4a4's " + s);
        assertTrue(Double.isFinite(c) && c > 0, "w4a4-asym-aclip0.9 KL " + c);
        assertNotEquals(a, c, "the activation clip must change the quantized model");
    }
}
