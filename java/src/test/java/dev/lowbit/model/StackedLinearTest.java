package dev.lowbit.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One-token steps run q|k|v and gate|up as one matmul each when the matrices lie back to back in the
 * weight arena. Every row's arithmetic is the same whichever call computes it, so decoding gives the
 * same logits, bit for bit, with and without the stacked calls (qwen2: with the q/k/v biases).
 */
class StackedLinearTest {
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource({"F16, w16", "F16, w4a16-g128", "F16, w8a8", "Q8_0, w16", "Q4_0, w16"})
    void stackedOneTokenStepsGiveTheSameLogits(String type, String plan) throws Exception {
        GgmlType gt = GgmlType.valueOf(type);
        SyntheticModel.Spec spec = new SyntheticModel.Spec("qwen2", 128, 2, 4, 2, 32, 256, 32000, 128, true, gt, 9, 4f);
        Path p = TestModels.synthetic(spec, "vocab/ggml-vocab-llama-spm.gguf", dir.resolve("stack-" + type + ".gguf"));
        LoadOptions o = LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse(plan));
        try (LowbitModel m = LowbitModel.load(p, o)) {
            Transformer t = m.internals().transformer();
            for (int l = 0; l < spec.nLayer(); l++) assertTrue(t.stacked(l), "layer " + l + " matrices lie back to back");
            float[][] stacked = decode(t, spec.vocab());
            float[][] separate;
            try (Transformer apart = new Transformer(m.internals().weights(), t.kv(), t.maxTokens(), 1, null,
                    Transformer.Options.DEFAULT.withStackOneTokenSteps(false))) {
                for (int l = 0; l < spec.nLayer(); l++) assertFalse(apart.stacked(l));
                separate = decode(apart, spec.vocab());
            }
            for (int i = 0; i < stacked.length; i++) assertArrayEquals(separate[i], stacked[i], 0f, "step " + i);
        }
    }

    /** a 3-token prompt, then 4 one-token steps: the logits of each step */
    private static float[][] decode(Transformer t, int vocab) {
        int[] next = {523, 99, 7000, 42};
        float[][] out = new float[next.length][vocab];
        try (Sequence s = t.kv().newSequence()) {
            assertTrue(t.kv().reserve(s, 3 + next.length));
            t.forward(List.of(new Segment(s, new int[] {11, 29, 31}, false)));
            for (int i = 0; i < next.length; i++) {
                assertEquals(1, t.forward(List.of(new Segment(s, new int[] {next[i]}, false))));
                t.logits(0, out[i]);
            }
        }
        return out;
    }
}
