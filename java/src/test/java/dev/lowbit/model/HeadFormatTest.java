package dev.lowbit.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Weight-only plans hold the 16-bit output head in BF16 (the study's W*A16 models are BF16 models):
 * converted at load by rounding to nearest even, computed with bf16 activations; "+head16" keeps the
 * file's head. Small synthetic models with F16, F32 and BF16 heads, tied and untied.
 */
class HeadFormatTest {
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource({"F16, true", "F32, false", "BF16, true"})
    void weightOnlyPlansComputeTheHeadInBf16(String type, boolean tied) throws Exception {
        GgmlType gt = GgmlType.valueOf(type);
        SyntheticModel.Spec spec = new SyntheticModel.Spec("llama", 128, 1, 4, 2, 32, 256, 32000, 128, tied, gt, 5, 4f);
        Path p = TestModels.synthetic(spec, "vocab/ggml-vocab-llama-spm.gguf", dir.resolve("head-" + type + ".gguf"));
        int[] tokens = {11, 523, 99, 7000, 42};
        try (LowbitModel bf = load(p, "w4a16-g128"); LowbitModel kept = load(p, "w4a16-g128+head16");
             GgufFile f = GgufFile.open(p)) {
            Linear hb = bf.internals().weights().output, hk = kept.internals().weights().output;
            assertEquals(ModelWeights.bf16Layout(spec.vocab(), spec.nEmbd()), hb.format, "BF16, in the kernel's layout");
            Format keptFmt = gt == GgmlType.BF16 ? ModelWeights.bf16Layout(spec.vocab(), spec.nEmbd()) : Format.fromId(gt.id());
            assertEquals(keptFmt, hk.format, "head16 keeps the file's head (a BF16 one in the kernel's layout)");
            assertEquals(2L * (hb.format == Format.BF16X16 ? (spec.vocab() + 15) / 16 * 16 : spec.vocab()) * spec.nEmbd(), hb.bytes());

            // every head weight is the file's value rounded to bf16 (nearest even)
            GgufTensor src = f.tensor(tied ? "token_embd.weight" : "output.weight");
            long n = (long) spec.vocab() * spec.nEmbd();
            try (NativeBuffer want = NativeBuffer.floats(n); NativeBuffer got = NativeBuffer.floats(n)) {
                assertEquals(0, LowbitNative.lb_dequantize(Format.fromId(gt.id()).id, 0, src.address(), want.address(), spec.vocab(), spec.nEmbd()));
                assertEquals(0, LowbitNative.lb_dequantize(hb.format.id, 0, hb.address(), got.address(), spec.vocab(), spec.nEmbd()));
                for (int i = 0; i < n; i += 7) {
                    float w = want.floatView(i, 1).get(0), g = got.floatView(i, 1).get(0);
                    assertEquals(Float.floatToRawIntBits(bf16(w)), Float.floatToRawIntBits(g), "weight " + i + ": " + w + " -> " + g);
                }
            }

            float[][] lb = logits(bf, tokens, spec.vocab()), lk = logits(kept, tokens, spec.vocab());
            double num = 0, den = 0;
            for (int i = 0; i < tokens.length; i++)
                for (int v = 0; v < spec.vocab(); v++) {
                    double d = lb[i][v] - lk[i][v];
                    num += d * d;
                    den += (double) lk[i][v] * lk[i][v];
                }
            double rel = Math.sqrt(num / den);
            if (gt == GgmlType.BF16) {
                assertEquals(0.0, rel, "a BF16 head is the same matrix either way");
            } else {
                // bf16 activations (and, from F32, weights): ~2^-9 relative per product, averaged over 128
                assertTrue(rel > 1e-5 && rel < 1e-2, "BF16 vs " + type + " head: relative logit difference " + rel);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void onlyA16BitOrF32HeadBecomesBf16() {
        QuantPlan w4 = QuantPlan.parse("w4a16-g128");
        Format bf16 = ModelWeights.bf16Layout(32000, 128);
        assertEquals(bf16, ModelWeights.headFormat(w4, Format.F16, 32000, 128));
        assertEquals(bf16, ModelWeights.headFormat(w4, Format.F32, 32000, 128));
        assertEquals(bf16 == Format.BF16 ? null : bf16, ModelWeights.headFormat(w4, Format.BF16, 32000, 128),
                "already BF16: kept, or repacked into the kernel's layout");
        assertEquals(bf16, ModelWeights.headFormat(w4, Format.F16, 32001, 128), "the last block zero-padded");
        assertNull(ModelWeights.headFormat(w4, Format.Q6_K, 32000, 128), "a quantized head is not 16-bit: kept");
        assertNull(ModelWeights.headFormat(QuantPlan.parse("w4a16-g128+head16"), Format.F16, 32000, 128));
        assertNull(ModelWeights.headFormat(QuantPlan.W16, Format.F16, 32000, 128));
        assertEquals(Format.Q8_0, ModelWeights.headFormat(QuantPlan.parse("w4a16-g128+head8"), Format.Q6_K, 32000, 128));
    }

    /** a BF16 file under w16: matrices copied into the arena take the kernel's layout, those read from the mapping stay row-major */
    @org.junit.jupiter.api.Test
    void bf16MatricesAreRepackedWhenCopied() throws Exception {
        SyntheticModel.Spec spec = new SyntheticModel.Spec("llama", 128, 1, 4, 2, 32, 256, 32000, 128, false, GgmlType.BF16, 5, 4f);
        Path p = TestModels.synthetic(spec, "vocab/ggml-vocab-llama-spm.gguf", dir.resolve("bf16.gguf"));
        int[] tokens = {11, 523, 99, 7000, 42};
        LoadOptions o = LoadOptions.defaults().withContext(32).withPlan(QuantPlan.W16);
        try (LowbitModel copied = LowbitModel.load(p, o); LowbitModel mapped = LowbitModel.load(p, o.withWeightsFromMapping(true))) {
            Format layout = ModelWeights.bf16Layout(spec.nFf(), spec.nEmbd());
            LayerWeights lc = copied.internals().weights().layers.get(0), lm = mapped.internals().weights().layers.get(0);
            assertEquals(layout, lc.gate().format);
            assertEquals(layout, copied.internals().weights().output.format);
            assertEquals(Format.BF16, lm.gate().format, "read from the mapping: as stored");
            float[][] a = logits(copied, tokens, spec.vocab()), b = logits(mapped, tokens, spec.vocab());
            double num = 0, den = 0;
            for (int i = 0; i < tokens.length; i++)
                for (int t = 0; t < spec.vocab(); t++) {
                    num += (a[i][t] - b[i][t]) * (double) (a[i][t] - b[i][t]);
                    den += (double) b[i][t] * b[i][t];
                }
            // the same products in another summation order
            assertTrue(Math.sqrt(num / den) < 1e-6, "relative logit difference " + Math.sqrt(num / den));
        }
    }

    @org.junit.jupiter.api.Test
    void bf16LayoutFollowsTheKernelLevel() {
        int saved = LowbitNative.lb_isa_get();
        try {
            LowbitNative.lb_isa_set(LowbitNative.ISA_AVX512);
            assertEquals(Format.BF16, ModelWeights.bf16Layout(32000, 128), "no vdpbf16ps kernel: row-major");
            if (LowbitNative.lb_isa_supported() >= LowbitNative.ISA_AVX512_BF16) {
                LowbitNative.lb_isa_set(LowbitNative.ISA_AVX512_BF16);
                assertEquals(Format.BF16X16, ModelWeights.bf16Layout(32000, 128));
                assertEquals(Format.BF16X16, ModelWeights.bf16Layout(151669, 896), "the last block zero-padded");
            }
        } finally {
            LowbitNative.lb_isa_set(saved);
        }
    }

    private static LowbitModel load(Path p, String plan) throws Exception {
        return LowbitModel.load(p, LoadOptions.defaults().withContext(32).withPlan(QuantPlan.parse(plan)));
    }

    private static float[][] logits(LowbitModel m, int[] tokens, int vocab) {
        Transformer t = m.internals().transformer();
        float[][] out = new float[tokens.length][vocab];
        try (Sequence s = t.kv().newSequence()) {
            assertTrue(t.kv().reserve(s, tokens.length));
            assertEquals(tokens.length, t.forward(List.of(new Segment(s, tokens, true))));
            for (int i = 0; i < tokens.length; i++) t.logits(i, out[i]);
        }
        return out;
    }

    /** round to nearest even bf16 (finite inputs) */
    private static float bf16(float f) {
        int u = Float.floatToRawIntBits(f);
        u += 0x7fff + ((u >>> 16) & 1);
        return Float.intBitsToFloat(u & 0xffff0000);
    }
}
