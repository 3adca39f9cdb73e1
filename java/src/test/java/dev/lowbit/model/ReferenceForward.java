package dev.lowbit.model;

import dev.lowbit.gguf.Dequant;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.model.Architecture.Tensor;

/**
 * A plain-Java forward pass written straight from the architecture definitions (llama2.c
 * style, double accumulation, no shared code with the engine), used to check the engine's
 * llama / qwen2 / qwen3 forward on small synthetic models.
 */
final class ReferenceForward {
    private final GgufFile f;
    private final ModelConfig c;

    ReferenceForward(GgufFile f) throws Exception {
        this.f = f;
        this.c = ModelConfig.from(f);
    }

    private float[] t(String name) {
        GgufTensor t = f.tensor(name);
        return t == null ? null : Dequant.toFloat(t.type(), t.data(), t.elements());
    }

    /** a model-level tensor, named by the architecture table (null if absent) */
    private float[] t(Tensor kind) {
        return c.arch().has(kind) ? t(c.arch().name(kind)) : null;
    }

    /** a tensor of block l, named by the architecture table (null if the family or the file lacks it) */
    private float[] t(Tensor kind, int l) {
        return c.arch().has(kind) ? t(c.arch().name(kind, l)) : null;
    }

    /** logits at every position of the token sequence */
    float[][] logits(int[] tokens) {
        int d = c.nEmbd(), hd = c.headDim(), nh = c.nHead(), nkv = c.nKvHead(), T = tokens.length;
        float[] emb = t(Tensor.TOKEN_EMBD);
        float[][] x = new float[T][d];
        for (int i = 0; i < T; i++) System.arraycopy(emb, tokens[i] * d, x[i], 0, d);
        for (int l = 0; l < c.nLayer(); l++) {
            float[][] h = new float[T][];
            for (int i = 0; i < T; i++) h[i] = rms(x[i], t(Tensor.ATTN_NORM, l));
            float[][] q = mat(h, t(Tensor.ATTN_Q, l), nh * hd, t(Tensor.ATTN_Q_BIAS, l));
            float[][] k = mat(h, t(Tensor.ATTN_K, l), nkv * hd, t(Tensor.ATTN_K_BIAS, l));
            float[][] v = mat(h, t(Tensor.ATTN_V, l), nkv * hd, t(Tensor.ATTN_V_BIAS, l));
            float[] qn = t(Tensor.ATTN_Q_NORM, l), kn = t(Tensor.ATTN_K_NORM, l);
            for (int i = 0; i < T; i++) {
                headNorm(q[i], nh, hd, qn);
                headNorm(k[i], nkv, hd, kn);
                rope(q[i], nh, i);
                rope(k[i], nkv, i);
            }
            float[][] att = new float[T][nh * hd];
            for (int i = 0; i < T; i++)
                for (int hh = 0; hh < nh; hh++) {
                    int kvh = hh / (nh / nkv);
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) dot += q[i][hh * hd + e] * k[j][kvh * hd + e];
                        s[j] = dot / Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int e = 0; e < hd; e++) {
                        double acc = 0;
                        for (int j = 0; j <= i; j++) acc += s[j] / sum * v[j][kvh * hd + e];
                        att[i][hh * hd + e] = (float) acc;
                    }
                }
            float[][] o = mat(att, t(Tensor.ATTN_OUT, l), d, null);
            for (int i = 0; i < T; i++) for (int e = 0; e < d; e++) x[i][e] += o[i][e];
            for (int i = 0; i < T; i++) h[i] = rms(x[i], t(Tensor.FFN_NORM, l));
            float[][] g = mat(h, t(Tensor.FFN_GATE, l), c.nFf(), null), u = mat(h, t(Tensor.FFN_UP, l), c.nFf(), null);
            for (int i = 0; i < T; i++)
                for (int e = 0; e < c.nFf(); e++) g[i][e] = (float) (g[i][e] / (1 + Math.exp(-g[i][e])) * u[i][e]);
            float[][] dn = mat(g, t(Tensor.FFN_DOWN, l), d, null);
            for (int i = 0; i < T; i++) for (int e = 0; e < d; e++) x[i][e] += dn[i][e];
        }
        float[] out = t(Tensor.OUTPUT) != null ? t(Tensor.OUTPUT) : emb;
        float[][] h = new float[T][];
        for (int i = 0; i < T; i++) h[i] = rms(x[i], t(Tensor.OUTPUT_NORM));
        return mat(h, out, c.vocab(), null);
    }

    private float[] rms(float[] x, float[] w) {
        double ss = 0;
        for (float v : x) ss += v * v;
        double s = 1 / Math.sqrt(ss / x.length + c.rmsEps());
        float[] o = new float[x.length];
        for (int i = 0; i < x.length; i++) o[i] = (float) (x[i] * s * w[i]);
        return o;
    }

    private void headNorm(float[] x, int heads, int hd, float[] w) {
        if (w == null) return;
        for (int hh = 0; hh < heads; hh++) {
            float[] seg = java.util.Arrays.copyOfRange(x, hh * hd, hh * hd + hd);
            System.arraycopy(rms(seg, w), 0, x, hh * hd, hd);
        }
    }

    /** rotary embedding: llama rotates pairs (2i, 2i+1), NeoX (qwen) pairs (i, i + dim/2); Llama-3.1 divides by rope_freqs */
    private void rope(float[] x, int heads, int pos) {
        int hd = c.headDim(), rd = c.ropeDim();
        float[] factors = t(Tensor.ROPE_FREQS);
        for (int hh = 0; hh < heads; hh++)
            for (int i = 0; i < rd / 2; i++) {
                double theta = pos * Math.pow(c.ropeBase(), -2.0 * i / rd) / (factors == null ? 1 : factors[i]);
                int a = c.ropeNeox() ? hh * hd + i : hh * hd + 2 * i;
                int b = c.ropeNeox() ? hh * hd + i + rd / 2 : a + 1;
                double xa = x[a], xb = x[b];
                x[a] = (float) (xa * Math.cos(theta) - xb * Math.sin(theta));
                x[b] = (float) (xa * Math.sin(theta) + xb * Math.cos(theta));
            }
    }

    /** y[t][r] = sum_c W[r][c] x[t][c] (+ b[r]); W stored row-major [rows][cols] */
    private static float[][] mat(float[][] x, float[] w, int rows, float[] b) {
        int cols = x[0].length;
        float[][] y = new float[x.length][rows];
        for (int t = 0; t < x.length; t++)
            for (int r = 0; r < rows; r++) {
                double s = b == null ? 0 : b[r];
                for (int cc = 0; cc < cols; cc++) s += (double) w[r * cols + cc] * x[t][cc];
                y[t][r] = (float) s;
            }
        return y;
    }
}
