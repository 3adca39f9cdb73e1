package dev.lowbit.quant.method;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * AWQ's scale search for one input site (the linears that read the same input): per-input-channel
 * scales s = mean|x|^alpha for alpha = i/grid, i < grid, normalised to s / sqrt(max(s) min(s)) as
 * llm-awq does; each candidate quantizes W diag(s) by RTN onto the plan's grid, takes
 * Q(W diag s) diag(s)^-1 as the weights the model will compute with, and is judged by the output
 * error of the site's linears. alpha = 0 is s = 1, plain RTN, so the search never does worse than
 * RTN on its own objective.
 *
 * <p>The objective is computed exactly from the calibration statistics: for each matrix,
 * ||(W - Q(W diag s) diag(s)^-1) X||^2 = tr(dW X^T X dW^T), the squared output error of the
 * linear itself summed over the calibration tokens, added over the site's linears. llm-awq instead
 * runs the enclosing module for q/k/v (the attention block's output, through softmax and o) and
 * for gate/up (the MLP's output, through silu and down), and the linear itself only for o and
 * down; here every site is judged by its own linears' outputs, a quadratic that needs no second
 * forward pass per candidate.
 */
public final class AwqSearch {
    private AwqSearch() {}

    /** the chosen scales, their alpha, their objective, and the objective of alpha = 0 (RTN) */
    public record Result(float[] scales, double alpha, double error, double rtnError) {}

    public static Result search(List<LayerMethod.Matrix> linears, LayerMethod.SiteStats stats, Format fmt, int groupSetting, int grid) {
        if (grid < 1) throw new IllegalArgumentException("AWQ's scale grid needs at least 1 point, got " + grid);
        float[] meanAbs = stats.meanAbs();
        Result best = null;
        double rtn = Double.NaN;
        for (int i = 0; i < grid; i++) {
            double alpha = (double) i / grid;
            float[] s = scales(meanAbs, alpha);
            double err = 0;
            for (LayerMethod.Matrix m : linears) {
                float[] ws = Folding.scaleColumns(m.w(), m.rows(), m.cols(), s);
                float[] q = rtnRoundTrip(ws, m.rows(), m.cols(), fmt, groupSetting);
                err += outputError(m.w(), Folding.unscaleColumns(q, m.rows(), m.cols(), s), m.rows(), m.cols(), stats.xtx());
            }
            if (i == 0) rtn = err;
            if (best == null || err < best.error()) best = new Result(s, alpha, err, rtn);
        }
        return new Result(best.scales(), best.alpha(), best.error(), rtn);
    }

    /** s_c = max(mean|x_c|^alpha, 1e-4), divided by sqrt(max(s) min(s)) (alpha = 0: every s_c = 1) */
    static float[] scales(float[] meanAbs, double alpha) {
        float[] s = new float[meanAbs.length];
        float mx = 0, mn = Float.MAX_VALUE;
        for (int c = 0; c < s.length; c++) {
            s[c] = (float) Math.max(Math.pow(meanAbs[c], alpha), 1e-4);
            mx = Math.max(mx, s[c]);
            mn = Math.min(mn, s[c]);
        }
        float norm = (float) Math.sqrt((double) mx * mn);
        for (int c = 0; c < s.length; c++) s[c] /= norm;
        return s;
    }

    /**
     * tr((Wq - W) H (Wq - W)^T) = sum over tokens of ||(Wq - W) x||^2 when H = X^T X: the squared error
     * of the linear's output over the calibration tokens (w, wq [rows][cols], h [cols][cols])
     */
    public static double outputError(float[] w, float[] wq, int rows, int cols, float[] h) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) d[i] = wq[i] - w[i];
        float[] dh = new float[rows * cols];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, cols, cols, 1f, FloatBuffer.wrap(d), cols, FloatBuffer.wrap(h), cols,
                0f, FloatBuffer.wrap(dh), cols);
        double e = 0;
        for (int i = 0; i < d.length; i++) e += (double) d[i] * dh[i];
        return e;
    }

    /** RTN onto the plan's grid and back: the weights the quantized model computes with ([rows][cols], rows zero-extended to whole groups and cut back) */
    static float[] rtnRoundTrip(float[] w, int rows, int cols, Format fmt, int groupSetting) {
        int group = QuantPlan.groupFor(fmt, groupSetting, cols);
        int padded = (int) QuantPlan.paddedCols(fmt, groupSetting, cols);
        long bytes = fmt.matrixBytes(group, padded, rows);
        if (bytes < 0) throw new IllegalArgumentException(cols + " inputs cannot be quantized to " + fmt + " (group " + group + ")");
        float[] out = new float[rows * padded];
        try (NativeBuffer src = MatrixMethods.floats(MatrixMethods.padRows(w, rows, cols, padded));
             NativeBuffer q = new NativeBuffer(bytes);
             NativeBuffer back = NativeBuffer.floats((long) rows * padded)) {
            Native.check(LowbitNative.lb_quantize(fmt.id, group, src.address(), q.address(), rows, padded), "quantize");
            Native.check(LowbitNative.lb_dequantize(fmt.id, group, q.address(), back.address(), rows, padded), "dequantize");
            back.floatView(0, out.length).get(out);
        }
        if (padded == cols) return out;
        float[] cut = new float[rows * cols];
        for (int r = 0; r < rows; r++) System.arraycopy(out, r * padded, cut, r * cols, cols);
        return cut;
    }
}
