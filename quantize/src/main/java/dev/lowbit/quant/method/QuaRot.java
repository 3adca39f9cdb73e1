package dev.lowbit.quant.method;

import dev.lowbit.core.NativeBuffer;
import dev.lowbit.model.Rotation;
import dev.lowbit.quant.Site;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.Replacements;
import java.util.EnumMap;
import java.util.Map;

/**
 * QuaRot (Ashkboos et al. 2024) as lowbit's rotated plans run it: every linear's input is rotated
 * online by the orthonormal Hadamard transform H ({@link Rotation}), its weights are stored as W·Hᵀ,
 * and those rotated weights are quantized by GPTQ onto the plan's per-channel format (I4CH for W4A4,
 * I8CH for W8A8) against the statistics of the rotated inputs, H·XᵀX·Hᵀ: what the integer matmul
 * really sees. The K/V rotation and the KV clip ratio are run-time parts of the plan.
 */
public final class QuaRot implements LayerMethod {
    private final Format format;
    private final Gptq.Settings settings;

    private QuaRot(Format format, Gptq.Settings settings) {
        this.format = format;
        this.settings = settings;
    }

    /** rotation + GPTQ onto a rotated per-channel plan (w4a4…, w8a8+rot…) */
    public static QuaRot of(QuantPlan plan, Gptq.Settings s) {
        if (!plan.rotate() || plan.weights() == null || !Gptq.perChannel(plan.weights()))
            throw new IllegalArgumentException("QuaRot needs a rotated W4A4 or W8A8 plan (w4a4kv4, w8a8kv8), not " + plan.name());
        return new QuaRot(plan.weights(), s);
    }

    /** the rotation alone: weights W·Hᵀ as F32, for checking that the folding keeps the function */
    public static QuaRot foldOnly() {
        return new QuaRot(null, null);
    }

    /** as recorded in the file's lowbit.quant.settings */
    public String describe() {
        Gptq.Settings s = settings;
        return String.format("rotation=hadamard(online, folded) weights=gptq act_order=%b damp=%s block=%d clip_grid=%d max_shrink=%s norm=%s",
                s.actOrder(), s.damp(), s.blockSize(), s.clipGrid(), s.maxShrink(), s.clipNorm());
    }

    @Override
    public Replacements quantize(Layer l) {
        Replacements r = Replacements.empty();
        Map<Site, float[]> rotated = new EnumMap<>(Site.class);
        for (Matrix m : l.matrices()) {
            float[] w = rotateRows(m.w(), m.rows(), m.cols());
            if (format == null) {
                r.floats().put(m.name(), w);
                continue;
            }
            SiteStats st = l.stats(m.site());
            if (st == null || st.xtx() == null) throw new IllegalArgumentException("QuaRot's GPTQ needs calibration data (no statistics at " + m.site() + ")");
            float[] h = rotated.computeIfAbsent(m.site(), s -> rotateBothSides(st.xtx(), m.cols()));
            Gptq.Result g = Gptq.quantize(w, m.rows(), m.cols(), h, format, m.cols(), settings);
            r.packed().put(m.name(), MatrixMethods.packChannels(format, m.rows(), m.cols(), g.weights(), g.scale()));
        }
        return r;
    }

    /** each row a of the [rows][n] matrix replaced by H·a: the matrix times Hᵀ */
    public static float[] rotateRows(float[] a, int rows, int n) {
        try (NativeBuffer b = MatrixMethods.floats(a)) {
            Rotation.apply(b.address(), rows, n);
            float[] out = new float[a.length];
            b.floatView(0, a.length).get(out);
            return out;
        }
    }

    /** H·S·Hᵀ of a symmetric [n][n] S: rows rotated (S·Hᵀ), transposed (H·S), rows rotated again */
    public static float[] rotateBothSides(float[] s, int n) {
        float[] a = rotateRows(s, n, n), t = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
        float[] h = rotateRows(t, n, n);
        // symmetric up to float rounding; GPTQ's Cholesky reads one triangle, so make both the same
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++) h[j * n + i] = h[i * n + j] = 0.5f * (h[i * n + j] + h[j * n + i]);
        return h;
    }
}
