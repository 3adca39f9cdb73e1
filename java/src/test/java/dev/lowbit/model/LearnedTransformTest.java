package dev.lowbit.model;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.gguf.Dequant;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.GgufWriter;
import dev.lowbit.quant.Site;
import dev.lowbit.quant.QuantPlan;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file with learned transforms (FlatQuant's layout) runs its inputs through them: stories260K with every site's
 * input transformed by x·(L ⊗ R) (L a scaled orthogonal matrix, so not orthogonal itself) and the inverse folded
 * into the weights as the calibrator folds it computes the original logits, and the transforms replace the
 * Hadamard rotation of a W4A4 plan.
 */
class LearnedTransformTest {
    @TempDir Path dir;

    @Test
    void foldedTransformsKeepTheLogits() throws Exception {
        Path folded = writeFolded(dir.resolve("folded.gguf"));
        LoadOptions o = LoadOptions.defaults().withPlan(QuantPlan.parse("w16+kv32"));
        int[] tokens;
        float[][] base, learned;
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), o)) {
            tokens = m.textPrompt("Once upon a time, there was a little girl named Lily. She loved to play outside.");
            base = TestModels.logits(m, tokens);
        }
        try (LowbitModel m = LowbitModel.load(folded, o)) {
            LayerWeights l0 = m.internals().weights().layers.get(0);
            for (Site s : Site.values()) assertNotNull(l0.transform(s), "transform at " + s);
            assertNull(l0.transform(Site.ATTN_OUT).right(), "a missing right factor is the identity");
            learned = TestModels.logits(m, tokens);
        }
        double maxRel = TestModels.maxRelativeDifference(base, learned);
        assertTrue(maxRel < 1e-4, "relative logit difference " + maxRel);
        assertTrue(maxRel > 0, "the transforms had no effect at all");

        // under a W4A4 plan the learned transforms take the place of the Hadamard rotation
        try (LowbitModel m = LowbitModel.load(folded, LoadOptions.defaults().withPlan(QuantPlan.parse("w4a4")))) {
            for (Linear l : m.internals().weights().layers.get(0).linears()) assertFalse(l.rotated, l.name + " rotated as well");
        }
    }

    @Test
    void aTransformThatDoesNotFitItsInputIsRefused() throws Exception {
        Path bad = dir.resolve("bad.gguf");
        try (GgufFile src = GgufFile.open(TestModels.stories())) {
            GgufWriter w = new GgufWriter().putAll(src);
            for (GgufTensor t : src.tensors()) w.addTensor(t.name(), t.type(), t.dims(), t.data());
            addMatrix(w, LearnedTransform.tensorName(0, Site.ATTN_IN, "left"), identity(7));
            addMatrix(w, LearnedTransform.tensorName(0, Site.ATTN_IN, "right"), identity(7));
            w.addTensor(LearnedTransform.tensorName(0, Site.ATTN_IN, "clip"), GgmlType.F32, new long[] {1}, bytes(new float[] {1f}));
            w.write(bad);
        }
        Exception e = assertThrows(Exception.class, () -> LowbitModel.load(bad, LoadOptions.defaults()).close());
        assertTrue(e.getMessage().contains("does not fit its input of 64"), e.getMessage());
    }

    /** stories260K with random learned transforms at every site of every layer, their inverses folded into the weights */
    private static Path writeFolded(Path out) throws Exception {
        Random rnd = new Random(7);
        try (GgufFile src = GgufFile.open(TestModels.stories())) {
            ModelConfig c = ModelConfig.from(src);
            Map<Site, int[]> shapes = Map.of(Site.ATTN_IN, split(c.nEmbd()), Site.ATTN_OUT, new int[] {c.nHead(), c.headDim()},
                    Site.FFN_IN, split(c.nEmbd()), Site.FFN_MID, split(c.nFf()));
            GgufWriter w = new GgufWriter().putAll(src);
            Map<String, float[]> folded = new java.util.HashMap<>();
            for (int l = 0; l < c.nLayer(); l++) {
                for (Site s : Site.values()) {
                    int n1 = shapes.get(s)[0], n2 = shapes.get(s)[1];
                    float[] q1 = orthogonal(n1, rnd), q2 = orthogonal(n2, rnd);
                    float[] left = q1.clone();
                    for (int i = 0; i < left.length; i++) left[i] *= 2f;
                    addMatrix(w, LearnedTransform.tensorName(l, s, "left"), left);
                    if (s != Site.ATTN_OUT) addMatrix(w, LearnedTransform.tensorName(l, s, "right"), q2);
                    else q2 = identity(n2);
                    w.addTensor(LearnedTransform.tensorName(l, s, "clip"), GgmlType.F32, new long[] {1}, bytes(new float[] {1f}));
                    for (int k = 0; k < 7; k++) {
                        if (Site.OF_MATRIX.get(k) != s) continue;
                        String name = c.arch().name(Architecture.Tensor.LINEARS.get(k), l);
                        GgufTensor t = src.tensor(name);
                        float[] wt = Dequant.toFloat(t.type(), t.data(), t.elements());
                        folded.put(name, fold(wt, (int) t.rows(), n1, n2, q1, 0.5f, q2));
                    }
                }
            }
            for (GgufTensor t : src.tensors()) {
                float[] f = folded.get(t.name());
                if (f != null) w.addTensor(t.name(), GgmlType.F32, t.dims(), bytes(f));
                else w.addTensor(t.name(), t.type(), t.dims(), t.data());
            }
            w.write(out);
        }
        return out;
    }

    /** each row Wr [n1][n2] -> L⁻¹·Wr·R⁻ᵀ, for L = Q1/scale (L⁻¹ = scale·Q1ᵀ) and R = Q2 (R⁻ᵀ = Q2), Q1 and Q2 orthogonal */
    private static float[] fold(float[] w, int rows, int n1, int n2, float[] q1, float scale, float[] q2) {
        int n = n1 * n2;
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            double[] tmp = new double[n];
            for (int i = 0; i < n1; i++)
                for (int k = 0; k < n1; k++)
                    for (int j = 0; j < n2; j++) tmp[i * n2 + j] += scale * q1[k * n1 + i] * w[r * n + k * n2 + j];
            for (int i = 0; i < n1; i++)
                for (int j = 0; j < n2; j++) {
                    double s = 0;
                    for (int k = 0; k < n2; k++) s += tmp[i * n2 + k] * q2[k * n2 + j];
                    out[r * n + i * n2 + j] = (float) s;
                }
        }
        return out;
    }

    /** n = n1·n2 with n1 the largest divisor not above sqrt(n), as the calibrator splits a width */
    private static int[] split(int n) {
        int n1 = (int) Math.sqrt(n);
        while (n % n1 != 0) n1--;
        return new int[] {n1, n / n1};
    }

    /** a random orthogonal matrix (Gram-Schmidt of Gaussian rows) */
    private static float[] orthogonal(int n, Random rnd) {
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) a[i][j] = rnd.nextGaussian();
            for (int p = 0; p < i; p++) {
                double d = 0;
                for (int j = 0; j < n; j++) d += a[i][j] * a[p][j];
                for (int j = 0; j < n; j++) a[i][j] -= d * a[p][j];
            }
            double norm = 0;
            for (int j = 0; j < n; j++) norm += a[i][j] * a[i][j];
            for (int j = 0; j < n; j++) a[i][j] /= Math.sqrt(norm);
        }
        float[] out = new float[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) out[i * n + j] = (float) a[i][j];
        return out;
    }

    private static float[] identity(int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = 1f;
        return m;
    }

    private static void addMatrix(GgufWriter w, String name, float[] m) {
        int n = (int) Math.round(Math.sqrt(m.length));
        w.addTensor(name, GgmlType.F32, new long[] {n, n}, bytes(m));
    }

    private static ByteBuffer bytes(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b;
    }
}
