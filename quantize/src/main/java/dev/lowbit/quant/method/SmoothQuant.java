package dev.lowbit.quant.method;

import dev.lowbit.quant.Site;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.Replacements;

/**
 * SmoothQuant (Xiao et al. 2023) for the W8A8 plans: per-token activation quantization suffers
 * from a few input channels whose values are far larger than the rest, so part of each channel's
 * range is moved from the activations into the weights. Per input channel j of a site,
 * s_j = max|X_j|^alpha / max|W_j|^(1-alpha) (W: every linear reading the site, stacked); the
 * inputs become x / s (the producing norm's weight divided by s) and the readers' columns W * s,
 * so the 16-bit model computes the same thing. As in the study's code only the two norm-fed sites
 * are smoothed: q/k/v behind the attention norm and gate/up behind the FFN norm (o and down have
 * no per-channel producer to fold into without changing attention or the activation function).
 * The linears are then quantized to the plan's per-channel 8-bit weights, by GPTQ as the study does
 * (on the smoothed inputs' X^T X: diag(1/s) X^T X diag(1/s)) or by RTN; the activations are
 * quantized per token at run time, as for any W8A8 plan.
 */
public final class SmoothQuant implements LayerMethod {
    /** the study's migration strength (its --smooth_alpha default) */
    public static final double STUDY_ALPHA = 0.85;

    private final double alpha;
    private final LayerMethod weights;
    private final String weightsName;

    private SmoothQuant(double alpha, LayerMethod weights, String weightsName) {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("the smoothing alpha must be in [0, 1], got " + alpha);
        this.alpha = alpha;
        this.weights = weights;
        this.weightsName = weightsName;
    }

    /** smoothing, then RTN onto the plan's W8A8 format (w8a8, w8a8-asym, w8a8kv8) */
    public static SmoothQuant of(QuantPlan plan, double alpha) {
        eightBitFormat(plan);
        return new SmoothQuant(alpha, MatrixMethods.rtn(plan), "rtn");
    }

    /** smoothing, then GPTQ onto the plan's W8A8 format with the given settings (the study's SmoothQuant) */
    public static SmoothQuant withGptq(QuantPlan plan, double alpha, Gptq.Settings s) {
        eightBitFormat(plan);
        return new SmoothQuant(alpha, MatrixMethods.gptq(plan, s), "gptq");
    }

    /** the scales folded, the weights left as F32: the 16-bit model's function up to float rounding (how the folding is tested) */
    public static SmoothQuant foldOnly(double alpha) {
        return new SmoothQuant(alpha, null, "f32");
    }

    /** as recorded in the file's lowbit.quant.settings */
    public String describe() {
        return "alpha=" + alpha + " sites=attn_in,ffn_in weights=" + weightsName;
    }

    static Format eightBitFormat(QuantPlan plan) {
        Format f = plan.weights();
        if (f != Format.I8CH && f != Format.I8CHA)
            throw new IllegalArgumentException("SmoothQuant needs a W8A8 plan (w8a8, w8a8kv8, w8a8-asym), not " + plan.name());
        return f;
    }

    @Override
    public Replacements quantize(Layer l) {
        for (Site s : new Site[] {Site.ATTN_IN, Site.FFN_IN})
            if (l.stats(s) == null || l.stats(s).maxAbs() == null)
                throw new IllegalArgumentException("SmoothQuant needs calibration data (no statistics at " + s + ")");
        float[] sIn = scales(l.stats(Site.ATTN_IN).maxAbs(), alpha, l.q(), l.k(), l.v());
        float[] sFfn = scales(l.stats(Site.FFN_IN).maxAbs(), alpha, l.gate(), l.up());

        Replacements folded = Replacements.empty();
        folded.floats().put(l.attnNorm().name(), Folding.divide(l.attnNorm().v(), sIn));
        folded.floats().put(l.ffnNorm().name(), Folding.divide(l.ffnNorm().v(), sFfn));
        Matrix[] m = new Matrix[7];
        for (int i = 0; i < 7; i++) {
            Matrix x = l.matrices().get(i);
            float[] s = x.site() == Site.ATTN_IN ? sIn : x.site() == Site.FFN_IN ? sFfn : null;
            m[i] = s == null ? x : new Matrix(x.name(), x.site(), Folding.scaleColumns(x.w(), x.rows(), x.cols(), s), x.rows(), x.cols());
        }
        if (weights == null) {
            for (Matrix x : m) folded.floats().put(x.name(), x.w());
            return folded;
        }
        // the smoothed linears read x / s: their X^T X is diag(1/s) X^T X diag(1/s)
        java.util.Map<Site, SiteStats> stats = new java.util.EnumMap<>(Site.class);
        stats.putAll(l.stats());
        stats.put(Site.ATTN_IN, divided(l.stats(Site.ATTN_IN), sIn));
        stats.put(Site.FFN_IN, divided(l.stats(Site.FFN_IN), sFfn));
        Replacements r = weights.quantize(new Layer(l.index(), l.config(), java.util.List.of(m), l.attnNorm(), l.ffnNorm(), l.vBias(), stats));
        r.floats().putAll(folded.floats());
        return r;
    }

    /** the statistics of the inputs x / s (X^T X, sum and max of |x| per channel) */
    static SiteStats divided(SiteStats st, float[] s) {
        int n = s.length;
        float[] xtx = st.xtx() == null ? null : st.xtx().clone();
        if (xtx != null)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) xtx[i * n + j] = (float) (xtx[i * n + j] / ((double) s[i] * s[j]));
        double[] sum = st.sumAbs().clone();
        float[] max = st.maxAbs() == null ? null : st.maxAbs().clone();
        for (int i = 0; i < n; i++) {
            sum[i] /= s[i];
            if (max != null) max[i] /= s[i];
        }
        return new SiteStats(xtx, sum, max, st.tokens());
    }

    /**
     * s_j = max|X_j|^alpha / max|W_j|^(1-alpha) over the columns j of the given linears; a channel
     * that is never active or has no weight keeps s = 1 (dividing by a power of zero would blow up
     * the norm weight for inputs the calibration did not see)
     */
    static float[] scales(float[] maxX, double alpha, Matrix... linears) {
        int n = linears[0].cols();
        float[] maxW = new float[n];
        for (Matrix m : linears) {
            if (m.cols() != n) throw new IllegalArgumentException(m.name() + " reads " + m.cols() + " inputs, not " + n);
            for (int r = 0; r < m.rows(); r++)
                for (int c = 0; c < n; c++) maxW[c] = Math.max(maxW[c], Math.abs(m.w()[r * n + c]));
        }
        float[] s = new float[n];
        for (int c = 0; c < n; c++) {
            double v = maxX[c] > 0 && maxW[c] > 0 ? Math.pow(maxX[c], alpha) / Math.pow(maxW[c], 1 - alpha) : 1;
            s[c] = Double.isFinite(v) && v > 0 ? (float) v : 1f;
        }
        return s;
    }
}
