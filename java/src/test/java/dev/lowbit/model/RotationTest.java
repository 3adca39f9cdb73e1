package dev.lowbit.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.quality.QualityMeter;
import dev.lowbit.quality.QualityRow;
import dev.lowbit.quant.QuantPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

/** W4A4's rotation (F32 KV cache so only the rotation differs) (weights W·Hᵀ, inputs H·x) leaves the full-precision network unchanged. */
class RotationTest {
    private static float[][] logits(LowbitModel m, int[] tokens) {
        Transformer t = m.internals().transformer();
        float[][] out = new float[tokens.length][t.config().vocab()];
        try (Sequence s = t.kv().newSequence()) {
            assertTrue(t.kv().reserve(s, tokens.length));
            int rows = t.forward(List.of(new Segment(s, tokens, true)));
            for (int r = 0; r < rows; r++) t.logits(r, out[r]);
        }
        return out;
    }

    @Test
    void rotatedF32ModelEqualsTheOriginal() throws Exception {
        assertRotationKeepsTheFunction("rot+kv32", 0);
    }

    /** rotated overrides: one layer, and one matrix whose site (q,k,v) then stores k and v rotated too */
    @Test
    void rotatedOverridesKeepTheFunction() throws Exception {
        assertRotationKeepsTheFunction("w16+l1=rot+kv32", 1);
        assertRotationKeepsTheFunction("w16+attn_q=rot+kv32", 3);
    }

    private static void assertRotationKeepsTheFunction(String plan, int rotatedLayer) throws Exception {
        int[] tokens;
        float[][] base, rot;
        LoadOptions o = LoadOptions.defaults().withPlan(QuantPlan.parse("w16+kv32"));
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), o)) {
            tokens = m.textPrompt("Once upon a time, there was a little girl named Lily. She loved to play outside.");
            base = logits(m, tokens);
        }
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), o.withPlan(QuantPlan.parse(plan)))) {
            assertTrue(m.internals().weights().layers.get(rotatedLayer).wq().rotated, plan);
            rot = logits(m, tokens);
        }
        double maxRel = TestModels.maxRelativeDifference(base, rot);
        assertTrue(maxRel < 1e-4, plan + ": relative logit difference " + maxRel);
        assertTrue(maxRel > 0, plan + ": rotation had no effect at all");
    }

    /** one layer at W4A4 inside a 16-bit model: the rotation is exact, so only its quantization moves the logits, a little */
    @Test
    void oneW4A4LayerDiffersOnlyByQuantization() throws Exception {
        String text = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. ".repeat(3);
        List<QualityRow> r = QualityMeter.measure(TestModels.stories(), LoadOptions.defaults(), QuantPlan.W16,
                List.of(QuantPlan.parse("w16+l0=w4a4"), QuantPlan.parse("w16+l0=w4a4+l0=w16"), QuantPlan.parse("w4a4")), text, 48, null);
        double one = r.get(0).kldMean();
        assertEquals(0.0, r.get(1).kldMean(), 0.0, "overridden back to w16: the 16-bit model");
        assertTrue(one > 0, "w4a4 layer 0 changed nothing");
        assertTrue(one < r.get(2).kldMean() / 2, "one layer " + one + " vs all layers " + r.get(2).kldMean());
    }
}
