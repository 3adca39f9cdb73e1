package dev.lowbit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;

import dev.lowbit.gguf.GgufFile;
import dev.lowbit.quant.method.LayerwiseQuantizer;
import dev.lowbit.model.Linear;
import dev.lowbit.model.ModelConfig;

import dev.lowbit.quant.method.MatrixMethods;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files written by {@code lowbit quantize}: an RTN file computes exactly what the plan applied at
 * load computes, it loads under its recorded plan, and its weights cannot be quantized twice.
 */
class QuantizedGgufTest {
    @TempDir Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"w4a16-g128", "w3a16-g128", "w2a16-g128", "w8a8", "mxfp4"})
    void anRtnFileGivesBitIdenticalLogitsToThePlanAppliedAtLoad(String plan) throws Exception {
        Path src = TestModels.stories();
        Path out = rtn(src, plan);
        int[] tokens = {1, 400, 31, 277, 90, 13, 8, 300};
        try (LowbitModel atLoad = load(src, plan); LowbitModel saved = load(out, "w16")) {
            assertEquals(QuantPlan.parse(plan).name(), saved.options().plan().name(), "the recorded plan applies");
            assertEquals("rtn", saved.options().plan().method());
            Linear a = atLoad.internals().weights().layers.get(0).down(), b = saved.internals().weights().layers.get(0).down();
            assertEquals(a.format, b.format);
            assertEquals(a.bytes(), b.bytes());
            float[][] la = TestModels.logits(atLoad, tokens), lb = TestModels.logits(saved, tokens);
            for (int i = 0; i < tokens.length; i++) assertArrayEquals(la[i], lb[i], 0f, "token " + i);
        }
    }

    @Test
    void runTimePartsAddToTheRecordedPlanAndWeightsAreNotQuantizedTwice() throws Exception {
        Path out = rtn(TestModels.stories(), "w4a16-g128");
        try (LowbitModel m = load(out, "kv4")) {
            assertEquals("w4a16-g128+kv4", m.options().plan().name());
            assertEquals(Format.KV4, m.options().plan().kv());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load(out, "w3a16-g128").close());
        assertTrue(e.getMessage().contains("already quantized"), e.getMessage());
    }

    @Test
    void theFileRecordsItsProvenanceAndLayout() throws Exception {
        Path out = rtn(TestModels.stories(), "w3a16-g128");
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals("w3a16-g128", f.getString(QuantizedGguf.PLAN));
            assertEquals("rtn", f.getString(QuantizedGguf.METHOD));
            QuantizedGguf.Layout l = QuantizedGguf.layout(f, f.tensor("blk.0.ffn_down.weight"));
            assertEquals(Format.W3G, l.format());
            assertTrue(l.paddedCols() >= l.cols() && l.paddedCols() % l.group() == 0, l.toString());
            assertEquals(null, QuantizedGguf.layout(f, f.tensor("token_embd.weight")), "the embedding stays as it was");
        }
    }

    private Path rtn(Path src, String plan) throws Exception {
        Path out = dir.resolve(plan + ".gguf");
        QuantPlan p = QuantPlan.parse(plan);
        try (GgufFile f = GgufFile.open(src)) {
            Replacements r = LayerwiseQuantizer.run(f, ModelConfig.from(f), List.of(), MatrixMethods.rtn(p), null);
            QuantizedGguf.write(f, r, new QuantizedGguf.Provenance(p.name(), "rtn", "", "none", 0, 0, 0), out);
        }
        return out;
    }

    private static LowbitModel load(Path p, String plan) throws Exception {
        return LowbitModel.load(p, LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse(plan)));
    }

}
