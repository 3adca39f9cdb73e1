package dev.lowbit.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.model.kv.Sequence;
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
        int[] tokens;
        float[][] base, rot;
        LoadOptions o = LoadOptions.defaults().withPlan(QuantPlan.parse("w16+kv32"));
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), o)) {
            tokens = m.textPrompt("Once upon a time, there was a little girl named Lily. She loved to play outside.");
            base = logits(m, tokens);
        }
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), o.withPlan(QuantPlan.parse("rot+kv32")))) {
            assertTrue(m.internals().weights().layers.get(0).wq().rotated);
            rot = logits(m, tokens);
        }
        double maxRel = 0;
        for (int t = 0; t < tokens.length; t++) {
            double num = 0, den = 0;
            for (int i = 0; i < base[t].length; i++) {
                double d = base[t][i] - rot[t][i];
                num += d * d;
                den += base[t][i] * (double) base[t][i];
            }
            maxRel = Math.max(maxRel, Math.sqrt(num / den));
        }
        assertTrue(maxRel < 1e-4, "relative logit difference " + maxRel);
        assertTrue(maxRel > 0, "rotation had no effect at all");
    }
}
