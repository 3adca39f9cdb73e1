package dev.lowbit.quant.method;

import static org.bytedeco.openblas.global.openblas.*;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * GPTQ (Frantar et al. 2022) for the grouped weight formats and the per-channel symmetric ones (I8CH,
 * I8CHA, I4CH, I4CHA: one "group" per row, scale chosen by the same clipping search), one linear layer at a time: columns are
 * rounded one after another onto fixed grids, and each rounding error is pushed onto the columns not
 * yet rounded, weighted by the inverse Hessian of the layer's inputs, so that the layer's output on
 * the calibration tokens moves as little as possible. Follows the QuaRot/GPTQ reference: static groups,
 * optional act-order, dampening, the Cholesky form of the inverse Hessian and lazy batch updates.
 */
public final class Gptq {
    private Gptq() {}

    /** GPTQ settings; study() = the study's: act-order with static groups, damp 0.01, blocks of 128 columns, clipping search grid 100, max shrink 0.8, norm 2.4 */
    public record Settings(boolean actOrder, double damp, int blockSize, int clipGrid, float maxShrink, float clipNorm) {
        public static Settings study() { return new Settings(true, 0.01, 128, 100, 0.8f, 2.4f); }
    }

    /** weights: the quantized weights dequantized [rows*cols], each exactly scale*(code-zero) on its group's grid; scale/zero: [rows * (cols/group)] */
    public record Result(float[] weights, float[] scale, float[] zero) {}

    /**
     * @param w       weights, row-major [rows][cols] (rows = output channels); not modified
     * @param hessian X^T X summed over the calibration tokens, [cols][cols] row-major, symmetric (float, as GPTQ keeps it)
     * @param format  Format.W4G, W3G or W2G (dev.lowbit.quant.Format; bits = format.bits), or a per-channel
     *                format (I8CH, I8CHA, I4CH, I4CHA): then group must be cols, scale is the row's f32 scale and
     *                zero is qmax (127 or 7), so that scale*(code-zero) spans the symmetric codes -qmax..qmax
     * @param group   group size; cols % group == 0 (else IllegalArgumentException)
     */
    public static Result quantize(float[] w, int rows, int cols, float[] hessian, Format format, int group, Settings s) {
        boolean channel = perChannel(format);
        if (format != Format.W4G && format != Format.W3G && format != Format.W2G && !channel)
            throw new IllegalArgumentException("GPTQ quantizes to W4G, W3G, W2G, I8CH, I8CHA, I4CH or I4CHA, not " + format);
        if (channel && group != cols)
            throw new IllegalArgumentException(format + " has one scale per row: group must be the row length " + cols + ", not " + group);
        if (rows <= 0 || cols <= 0 || group <= 0 || cols % group != 0)
            throw new IllegalArgumentException(rows + "x" + cols + " weights do not split into groups of " + group);
        if (w.length != (long) rows * cols || hessian.length != (long) cols * cols)
            throw new IllegalArgumentException("expected " + rows + "x" + cols + " weights and a " + cols + "x" + cols + " Hessian");
        if (s.blockSize() <= 0) throw new IllegalArgumentException("block size must be positive, got " + s.blockSize());
        // the highest code of the loop below: 0..2^bits-1 around the zero point, or -q..q stored as 0..2q around q
        final int n = cols, groups = cols / group, qmax = channel ? 2 * symmetricMax(format) : (1 << format.bits) - 1;
        float[] w0 = w.clone();
        double[] h = withoutDeadInputs(w0, rows, n, hessian);

        // Static groups: every grid is fixed from the weights before any error is pushed onto them, so a
        // group's grid does not depend on the order act-order visits its columns in.
        float[] scale = new float[rows * groups], zero = new float[rows * groups];
        if (channel) channelParams(format, w0, rows, cols, s, scale, zero);
        else groupParams(format, group, w0, rows, cols, s, scale, zero);
        float[] out = run(w0, rows, n, h, group, s, (x, r, g) -> {
            float sc = scale[r * groups + g], z = zero[r * groups + g];
            return sc == 0 ? 0 : sc * ((float) Math.min(Math.max(Math.rint(x / sc) + z, 0), qmax) - z);
        });
        return new Result(out, scale, zero);
    }

    /** rounds x, a weight of row r in the column group g, onto its fixed grid */
    interface Rounder {
        float round(float x, int r, int g);
    }

    /**
     * GPTQ onto the block grids of a GGUF-native type (Q4_0, Q4_1, Q8_0; blocks of 32 columns; Q4_K, sub-blocks of 32 in super-blocks of 256): the
     * blocks' parameters are fixed from the weights before any error reaches them (static groups, so
     * act-order keeps whole blocks on one grid), then the columns are rounded as in {@link #quantize}.
     *
     * @return the weights on their grids [rows*cols] and the grids, which pack them ({@link GgufGrid#pack})
     */
    public static GgufResult quantizeGguf(float[] w, int rows, int cols, float[] hessian, Format format, Settings s) {
        if (!GgufGrid.supports(format)) throw new IllegalArgumentException("GPTQ onto GGUF grids quantizes to Q4_0, Q4_1, Q8_0 or Q4_K, not " + format);
        if (rows <= 0 || cols <= 0 || cols % GgufGrid.columnsPer(format) != 0)
            throw new IllegalArgumentException(rows + "x" + cols + " weights do not split into " + format + " blocks of " + GgufGrid.columnsPer(format));
        if (w.length != (long) rows * cols || hessian.length != (long) cols * cols)
            throw new IllegalArgumentException("expected " + rows + "x" + cols + " weights and a " + cols + "x" + cols + " Hessian");
        if (s.blockSize() <= 0) throw new IllegalArgumentException("block size must be positive, got " + s.blockSize());
        final int n = cols;
        float[] w0 = w.clone();
        double[] h = withoutDeadInputs(w0, rows, n, hessian);
        GgufGrid grid = GgufGrid.of(format, w0, rows, cols, s.clipGrid(), s.maxShrink(), s.clipNorm());
        return new GgufResult(run(w0, rows, n, h, GgufGrid.BLOCK, s, grid::round), grid);
    }

    /** GPTQ's weights on a GGUF type's grids, and those grids */
    public record GgufResult(float[] weights, GgufGrid grid) {}

    /** GPTQ's column loop over w0 (dead inputs zeroed) and h (their diagonal set to 1), each column rounded onto its group's fixed grid */
    private static float[] run(float[] w0, int rows, int n, double[] h, int group, Settings s, Rounder grid) {
        // act-order: the inputs with the most energy first, while many columns remain to absorb their error
        double[] diag = IntStream.range(0, n).mapToDouble(i -> h[i * n + i]).toArray();
        int[] perm = s.actOrder()
                ? IntStream.range(0, n).boxed().sorted((a, b) -> Double.compare(diag[b], diag[a])).mapToInt(i -> i).toArray()
                : IntStream.range(0, n).toArray();
        float[] wp = new float[rows * n];
        double[] hp = new double[n * n];
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < n; k++) wp[r * n + k] = w0[r * n + perm[k]];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) hp[i * n + j] = h[perm[i] * n + perm[j]];

        // dampening keeps H well conditioned when the calibration tokens span few directions
        double damp = s.damp() * IntStream.range(0, n).mapToDouble(i -> hp[i * n + i]).average().orElse(0);
        for (int i = 0; i < n; i++) hp[i * n + i] += damp;
        float[] hinv = upperCholeskyOfInverse(hp, n);

        float[] err = new float[rows * Math.min(s.blockSize(), n)];
        for (int i1 = 0; i1 < n; i1 += s.blockSize()) {
            int i2 = Math.min(i1 + s.blockSize(), n), count = i2 - i1;
            for (int i = i1; i < i2; i++) {
                int g = perm[i] / group;  // the grid of the column's original group
                float d = hinv[i * n + i];
                for (int r = 0; r < rows; r++) {
                    float x = wp[r * n + i];
                    float q = grid.round(x, r, g);
                    wp[r * n + i] = q;  // a finished column is never read again: it holds its result
                    // row i of the Cholesky factor is the optimal compensation of the columns after i
                    float e = (x - q) / d;
                    err[r * count + (i - i1)] = e;
                    for (int j = i + 1; j < i2; j++) wp[r * n + j] -= e * hinv[i * n + j];
                }
            }
            if (i2 == n) break;
            // Lazy batch update: the later columns receive the block's errors in one matrix product,
            // W[:, i2:] -= Err @ Hinv[i1:i2, i2:], instead of a memory-bound rank-1 update per column.
            // (JNI hands BLAS a copy of each heap array: the block's rows of Hinv go as a small array of their own)
            int rest = n - i2;
            float[] hBlock = new float[count * rest];
            for (int k = 0; k < count; k++) System.arraycopy(hinv, (i1 + k) * n + i2, hBlock, k * rest, rest);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, rest, count, -1f, FloatBuffer.wrap(err), count,
                    FloatBuffer.wrap(hBlock), rest, 1f, FloatBuffer.wrap(wp, i2, wp.length - i2), n);
        }

        float[] out = new float[rows * n];
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < n; k++) out[r * n + perm[k]] = wp[r * n + k];
        return out;
    }

    /**
     * H as doubles, with the inputs that are always zero (H[i][i] = 0) taken out: such an input never
     * meets its weights, so they are zeroed in w0 (they neither widen a grid nor carry error) and H gets
     * a 1 there to stay invertible. As in the reference, this comes before the grids.
     */
    private static double[] withoutDeadInputs(float[] w0, int rows, int n, float[] hessian) {
        double[] h = new double[n * n];
        for (int i = 0; i < n * n; i++) h[i] = hessian[i];
        for (int i = 0; i < n; i++) {
            if (h[i * n + i] != 0) continue;
            h[i * n + i] = 1;
            for (int r = 0; r < rows; r++) w0[r * n + i] = 0;
        }
        return h;
    }

    /** the symmetric per-channel weight formats (one f32 scale per row, codes -qmax..qmax) */
    public static boolean perChannel(Format f) {
        return f == Format.I8CH || f == Format.I8CHA || f == Format.I4CH || f == Format.I4CHA;
    }

    /** qmax of a per-channel format's codes: 127 (int8) or 7 (int4: I4CH and I4CHA, -8 unused as the RTN packer) */
    static int symmetricMax(Format f) {
        return f.bits == 4 ? 7 : 127;
    }

    /**
     * per row: the symmetric grid scale = p * max|w| / qmax, p = 1 - i/grid for i < maxShrink*grid, with the
     * least sum |q(w) - w|^norm (GPTQ's --w_clip search, as lb_group_params does per group; p = 1, the RTN
     * scale, kept on ties and when the grid is 0); zero = qmax: codes 0..2qmax stand for -qmax..qmax
     */
    static void channelParams(Format format, float[] w, int rows, int cols, Settings s, float[] scale, float[] zero) {
        int q = symmetricMax(format), grid = s.clipGrid();
        int steps = grid > 0 ? Math.max(1, (int) (s.maxShrink() * grid)) : 1;
        IntStream.range(0, rows).parallel().forEach(r -> {
            float amax = 0;
            for (int c = 0; c < cols; c++) amax = Math.max(amax, Math.abs(w[r * cols + c]));
            float best = amax > 0 ? amax / q : 1f;  // lb_sym_scale: an all-zero row keeps scale 1 and codes 0
            double bestErr = Double.MAX_VALUE;
            for (int i = 0; i < steps && amax > 0; i++) {
                float sc = (grid > 0 ? 1f - (float) i / grid : 1f) * amax / q;
                double err = 0;
                for (int c = 0; c < cols; c++) {
                    float x = w[r * cols + c];
                    float d = sc * (float) Math.min(Math.max(Math.rint(x / sc), -q), q) - x;
                    err += Math.pow(Math.abs(d), s.clipNorm());
                }
                if (err < bestErr) {
                    bestErr = err;
                    best = sc;
                }
            }
            scale[r] = best;
            zero[r] = q;
        });
    }

    /** per row and group: the grid (scale, zero) chosen by the native clipping search (f16 scales, integer zeros) */
    private static void groupParams(Format format, int group, float[] w, int rows, int cols, Settings s,
                                    float[] scale, float[] zero) {
        try (NativeBuffer src = NativeBuffer.floats(w.length);
             NativeBuffer sc = NativeBuffer.floats(scale.length);
             NativeBuffer zr = NativeBuffer.floats(zero.length)) {
            src.floatView(0, w.length).put(w);
            Native.check(LowbitNative.lb_group_params(format.id, group, src.address(), rows, cols, s.clipGrid(),
                    s.maxShrink(), s.clipNorm(), sc.address(), zr.address()), "group params");
            sc.floatView(0, scale.length).get(scale);
            zr.floatView(0, zero.length).get(zero);
        }
    }

    /**
     * U with H^-1 = U^T U (upper triangle, zeros below). Row i of U is row i of the inverse Hessian of
     * the columns i.. (what remains after columns < i are fixed) scaled by 1/sqrt of its diagonal: GPTQ's
     * stable replacement for removing each quantized column from H^-1 by Gaussian elimination.
     * All three steps read and write the upper triangle only, so H^-1 needs no symmetrizing between them.
     */
    private static float[] upperCholeskyOfInverse(double[] h, int n) {
        int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, (byte) 'U', n, h, n);
        if (info > 0)
            throw new IllegalStateException("GPTQ: the Hessian is not positive definite after dampening (leading minor "
                    + info + " of " + n + "); check the calibration statistics or raise damp");
        if (info < 0) throw new IllegalStateException("LAPACKE_dpotrf: argument " + -info + " invalid");
        info = LAPACKE_dpotri(LAPACK_ROW_MAJOR, (byte) 'U', n, h, n);
        if (info != 0) throw new IllegalStateException("LAPACKE_dpotri failed: " + info);
        info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, (byte) 'U', n, h, n);
        if (info != 0) throw new IllegalStateException("GPTQ: the inverse Hessian is not positive definite (" + info + ")");
        float[] u = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) u[i * n + j] = (float) h[i * n + j];
        return u;
    }
}
