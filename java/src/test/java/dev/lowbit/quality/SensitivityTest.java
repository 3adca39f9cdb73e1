package dev.lowbit.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** lowbit sensitivity's numbers against independent measurements of the same plans. */
class SensitivityTest {
    private static final String TEXT = "Once upon a time, there was a little dog named Max. Max liked to run in the park with his ball. "
            + "One day, Max saw a big red bird. The bird was sad because it lost its way home. Max wanted to help. ";

    @Test
    void unitsAreThePlansTheyNameAndTheSuggestionMeetsItsBudget() throws Exception {
        Path m = TestModels.stories();
        LoadOptions o = LoadOptions.defaults();
        long[] perKind = {64 * 64, 64 * 64, 64 * 64, 64 * 64, 172 * 64, 172 * 64, 64 * 172};
        Sensitivity.Result r = Sensitivity.run(m, o, "w3a16-g128", "w4a16-g128", TEXT.repeat(4), 48, 5, perKind, Double.NaN, null);
        assertEquals(5, r.layers().size());
        assertEquals(7, r.kinds().size());
        assertEquals(35, r.matrices().size());

        // independently: layer 3 alone, and ffn_down everywhere, measured as plain plans
        List<QualityRow> direct = QualityMeter.measure(m, o, QuantPlan.W16,
                List.of(QuantPlan.parse("w16+l3=w3a16-g128"), QuantPlan.parse("w16+ffn_down=w3a16-g128")), TEXT.repeat(4), 48, null);
        assertEquals(direct.get(0).kldMean(), r.layers().get(3).quality().kldMean(), 1e-12);
        assertEquals(direct.get(1).kldMean(), r.kinds().get(6).quality().kldMean(), 1e-12);

        assertEquals(r.uniform().kldMean() / 2, r.budget(), 1e-15);
        Sensitivity.Candidate c = r.chosen();
        assertNotNull(c, "keeping every matrix at 4 bits meets half the 3-bit KL on stories260K");
        assertTrue(c.quality().kldMean() <= r.budget(), c.toString());
        assertTrue(c.quality().bitsPerWeight() > r.uniform().bitsPerWeight(), "keeping matrices costs bits");
        for (Sensitivity.Candidate t : r.tried())
            if (t.kept() < c.kept()) assertTrue(t.quality().kldMean() > r.budget(), "a smaller candidate within budget was passed over: " + t);
    }

    /** a rotated plan with a KV part: units carry the KV part, and match the same mixed plans measured directly */
    @Test
    void rotatedPlansCarryTheirKvPartInEveryCandidate() throws Exception {
        Path m = TestModels.stories();
        LoadOptions o = LoadOptions.defaults();
        QuantPlan p = QuantPlan.parse("w4a4kv4");
        assertEquals("w4a4", p.weightPart());
        assertEquals("kv4-rot", p.kvPart());
        assertTrue(p.sameAs(QuantPlan.parse("w4a4+kv4-rot")));
        long[] perKind = {64 * 64, 64 * 64, 64 * 64, 64 * 64, 172 * 64, 172 * 64, 64 * 172};
        Sensitivity.Result r = Sensitivity.run(m, o, p.weightPart(), p.kvPart(), "w16", TEXT.repeat(4), 48, 5, perKind, Double.NaN,
                null, Double.NaN, null);
        assertEquals("w4a4+kv4-rot", r.plan());

        List<QualityRow> direct = QualityMeter.measure(m, o, QuantPlan.W16, List.of(QuantPlan.parse("w16+l2=w4a4+kv4-rot"),
                QuantPlan.parse("kv4-rot+attn_v=w4a4"), QuantPlan.parse("w16+kv4-rot+l1.ffn_down=w4a4"), QuantPlan.parse("w4a4kv4"),
                QuantPlan.parse("kv4-rot")), TEXT.repeat(4), 48, null);
        assertEquals(direct.get(0).kldMean(), r.layers().get(2).quality().kldMean(), 1e-12);
        assertEquals(direct.get(1).kldMean(), r.kinds().get(2).quality().kldMean(), 1e-12);
        Sensitivity.Unit down1 = r.matrices().get(7 + 6);
        assertEquals(1, down1.layer());
        assertEquals("ffn_down", down1.kind());
        assertEquals(direct.get(2).kldMean(), down1.quality().kldMean(), 1e-12);
        assertEquals(direct.get(3).kldMean(), r.uniform().kldMean(), 1e-12);
        assertEquals(direct.get(4).kldMean(), r.kvOnly().kldMean(), 1e-12);
        assertTrue(r.kvOnly().kldMean() > 0 && r.kvOnly().kldMean() < r.uniform().kldMean(), "the cache alone costs less than the whole plan");
        assertEquals((r.kvOnly().kldMean() + r.uniform().kldMean()) / 2, r.budget(), 1e-15, "half of what the weights add to the cache's KL");
        for (Sensitivity.Candidate t : r.tried()) assertTrue(t.plan().startsWith("w4a4+kv4-rot"), t.plan());
        if (r.chosen() != null) assertTrue(r.chosen().quality().kldMean() <= r.budget());
    }

    @Test
    void wholeLayersAreWrittenAsOnePart() {
        List<Sensitivity.Unit> kept = new java.util.ArrayList<>();
        for (String k : QuantPlan.MATRICES) kept.add(new Sensitivity.Unit(2, k, null, Double.NaN));
        kept.add(new Sensitivity.Unit(0, "ffn_down", null, Double.NaN));
        assertEquals("w3a16-g128+l0.ffn_down=w16+l2=w16", Sensitivity.mixedPlan("w3a16-g128", "w16", kept));
    }
}
