package dev.lowbit.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The engine's forward equals a plain-Java reference for each architecture (small F32 models). */
class ReferenceForwardTest {
    @TempDir Path dir;

    @ParameterizedTest
    @CsvSource({"llama, vocab/ggml-vocab-llama-spm.gguf, 32000", "qwen2, vocab/ggml-vocab-qwen2.gguf, 151936",
            "qwen3, vocab/ggml-vocab-qwen2.gguf, 151936", "llama3.1, vocab/ggml-vocab-llama-spm.gguf, 32000"})
    void engineMatchesReference(String variant, String vocab, int nVocab) throws Exception {
        String arch = variant.startsWith("llama") ? "llama" : variant;
        // qwen3 with head_dim 32 != hidden/heads, as in the real Qwen3 family (q width differs from hidden)
        int headDim = arch.equals("qwen3") ? 32 : 16;
        SyntheticModel.Spec spec = new SyntheticModel.Spec(arch, 64, 2, 4, 2, headDim, 96, nVocab, 512, arch.equals("qwen2"),
                GgmlType.F32, 3, 4f);
        Path p = TestModels.synthetic(spec, vocab, dir.resolve(arch + ".gguf"));
        if (variant.equals("llama3.1")) p = withRopeFreqs(p, headDim / 2);
        int[] tokens = {11, 523, 99, 7000, 42, 1234, 5, 17, 300, 2};
        float[][] ref;
        try (GgufFile f = GgufFile.open(p)) {
            ref = new ReferenceForward(f).logits(tokens);
        }
        try (LowbitModel m = LowbitModel.load(p, LoadOptions.defaults().withContext(64))) {
            Transformer t = m.internals().transformer();
            try (Sequence s = t.kv().newSequence()) {
                assertTrue(t.kv().reserve(s, tokens.length));
                // feed in two chunks to also cover attention over cached positions
                float[] row = new float[nVocab];
                int rows = t.forward(List.of(new Segment(s, java.util.Arrays.copyOf(tokens, 6), true)));
                assertEquals(6, rows);
                for (int i = 0; i < 6; i++) {
                    t.logits(i, row);
                    assertClose(ref[i], row, arch + " pos " + i);
                }
                t.forward(List.of(new Segment(s, java.util.Arrays.copyOfRange(tokens, 6, 10), true)));
                for (int i = 0; i < 4; i++) {
                    t.logits(i, row);
                    assertClose(ref[6 + i], row, arch + " pos " + (6 + i));
                }
            }
        }
    }

    /** the same model plus Llama-3.1's per-frequency RoPE divisors */
    private Path withRopeFreqs(Path src, int n) throws Exception {
        Path out = dir.resolve("rope-freqs.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            dev.lowbit.gguf.GgufWriter w = new dev.lowbit.gguf.GgufWriter().putAll(f);
            for (dev.lowbit.gguf.GgufTensor t : f.tensors()) w.addTensor(t.name(), t.type(), t.dims(), t.data());
            float[] factors = new float[n];
            for (int i = 0; i < n; i++) factors[i] = 1 + 3f * i / n;
            w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {n}, dev.lowbit.gguf.Quant.fromFloat(GgmlType.F32, factors, 1, n));
            w.write(out);
        }
        return out;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = want[i] - got[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        // KV cache is F16 in the engine: allow its rounding
        assertTrue(Math.sqrt(num / den) < 2e-3, what + ": relative error " + Math.sqrt(num / den));
    }
}
