package dev.lowbit.quant.method;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GptqTest {
    static final int ROWS = 24, COLS = 256, GROUP = 128, TOKENS = 512, DEAD = 77;
    static final float[] W = new float[ROWS * COLS];
    static final float[] H = new float[COLS * COLS];

    // Inputs from a few shared factors plus noise (correlated, as a layer's activations are: with a
    // diagonal H GPTQ would have nothing to compensate with), some columns 8x larger so act-order
    // reorders, and one input that is always zero.
    static {
        Random rnd = new Random(7);
        int factors = 24;
        double[][] load = new double[factors][COLS];
        for (double[] l : load) for (int c = 0; c < COLS; c++) l[c] = rnd.nextGaussian();
        double[] colScale = new double[COLS];
        Arrays.fill(colScale, 1);
        for (int k = 0; k < 8; k++) colScale[rnd.nextInt(COLS)] = 8;
        colScale[DEAD] = 0;
        double[][] x = new double[TOKENS][COLS];
        for (double[] t : x) {
            double[] z = new double[factors];
            for (int f = 0; f < factors; f++) z[f] = rnd.nextGaussian();
            for (int c = 0; c < COLS; c++) {
                double v = 2 * rnd.nextGaussian();
                for (int f = 0; f < factors; f++) v += z[f] * load[f][c];
                t[c] = v * colScale[c];
            }
        }
        for (int i = 0; i < COLS; i++)
            for (int j = 0; j < COLS; j++) {
                double s = 0;
                for (double[] t : x) s += t[i] * t[j];
                H[i * COLS + j] = (float) s;
            }
        for (int i = 0; i < W.length; i++) W[i] = (float) (0.02 * rnd.nextGaussian());
    }

    @Test
    void equalsTheStraightforwardReference() {
        float[] w = W.clone(), h = H.clone();
        for (Format f : new Format[] {Format.W4G, Format.W3G}) {
            for (Gptq.Settings s : new Gptq.Settings[] {Gptq.Settings.study(), noActOrder()}) {
                Gptq.Result got = Gptq.quantize(W, ROWS, COLS, H, f, GROUP, s);
                Reference ref = reference(f, s);
                assertArrayEquals(ref.scale, got.scale(), 0f, f + ": same grids");
                assertArrayEquals(ref.zero, got.zero(), 0f, f + ": same grids");
                int same = 0;
                for (int i = 0; i < W.length; i++) {
                    int ng = COLS / GROUP, g = i / COLS * ng + i % COLS / GROUP;
                    if (code(got.weights()[i], got.scale()[g], got.zero()[g]) == code(ref.q[i], ref.scale[g], ref.zero[g])) same++;
                }
                double agree = same / (double) W.length, ratio = objective(got.weights()) / objective(ref.q);
                System.out.printf("GPTQ vs reference, %s act-order %s: codes agree %.2f%%, objective ratio %.5f%n",
                        f, s.actOrder(), 100 * agree, ratio);
                assertTrue(agree >= 0.995, f + ": codes agree on " + agree);
                assertEquals(1, ratio, 0.01, f + ": objective vs the reference's");
            }
        }
        assertArrayEquals(w, W, 0f, "weights not modified");
        assertArrayEquals(h, H, 0f, "Hessian not modified");
    }

    @Test
    void beatsRoundToNearest() {
        for (Format f : new Format[] {Format.W4G, Format.W3G}) {
            double gptq = objective(Gptq.quantize(W, ROWS, COLS, H, f, GROUP, Gptq.Settings.study()).weights());
            double rtn = objective(rtn(f));
            System.out.printf("GPTQ / RTN objective, %s: %.4f (%.4g / %.4g)%n", f, gptq / rtn, gptq, rtn);
            assertTrue(gptq <= 0.9 * rtn, f + ": GPTQ " + gptq + " vs RTN " + rtn);
        }
    }

    @Test
    void everyWeightIsOnItsGrid() {
        for (Format f : new Format[] {Format.W4G, Format.W3G, Format.W2G}) {
            Gptq.Result r = Gptq.quantize(W, ROWS, COLS, H, f, GROUP, Gptq.Settings.study());
            assertArrayEquals(r.weights(), packedAndBack(f, r), 0f, f + ": lb_quantize_params + lb_dequantize reproduce it");
            for (int i = 0; i < ROWS; i++) assertEquals(0f, r.weights()[i * COLS + DEAD], "the dead input's weights are zero");
        }
    }

    @Test
    void actOrderOffWorksAndDiffers() {
        Gptq.Result on = Gptq.quantize(W, ROWS, COLS, H, Format.W4G, GROUP, Gptq.Settings.study());
        Gptq.Result off = Gptq.quantize(W, ROWS, COLS, H, Format.W4G, GROUP, noActOrder());
        assertArrayEquals(off.weights(), packedAndBack(Format.W4G, off), 0f);
        assertArrayEquals(on.scale(), off.scale(), 0f, "static groups: the grids do not depend on the order");
        assertFalse(Arrays.equals(on.weights(), off.weights()));
        assertTrue(objective(off.weights()) < objective(rtn(Format.W4G)));
    }

    @Test
    void refusesBadInput() {
        assertThrows(IllegalArgumentException.class,
                () -> Gptq.quantize(new float[ROWS * 200], ROWS, 200, new float[200 * 200], Format.W4G, GROUP, Gptq.Settings.study()));
        assertThrows(IllegalArgumentException.class,
                () -> Gptq.quantize(W, ROWS, COLS, H, Format.Q4_0, 32, Gptq.Settings.study()));
        float[] minusI = new float[COLS * COLS];
        for (int i = 0; i < COLS; i++) minusI[i * COLS + i] = -1;
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Gptq.quantize(W, ROWS, COLS, minusI, Format.W4G, GROUP, Gptq.Settings.study()));
        assertTrue(e.getMessage().contains("not positive definite"), e.getMessage());
    }

    static Gptq.Settings noActOrder() {
        Gptq.Settings s = Gptq.Settings.study();
        return new Gptq.Settings(false, s.damp(), s.blockSize(), s.clipGrid(), s.maxShrink(), s.clipNorm());
    }

    record Reference(double[] q, float[] scale, float[] zero) {}

    /**
     * GPTQ as first published (OBQ's update, one column at a time, no blocks, no Cholesky trick), in double:
     * after column i is rounded, every later column j moves by -err * Hinv[i][j] / Hinv[i][i], then
     * column i is removed from Hinv by one step of Gaussian elimination.
     */
    static Reference reference(Format f, Gptq.Settings s) {
        int n = COLS, ng = COLS / GROUP, qmax = (1 << f.bits) - 1;
        double[][] w = liveWeights();
        float[] wf = new float[ROWS * n];
        for (int r = 0; r < ROWS; r++) for (int c = 0; c < n; c++) wf[r * n + c] = (float) w[r][c];
        float[] scale = new float[ROWS * ng], zero = new float[ROWS * ng];
        try (NativeBuffer src = NativeBuffer.floats(wf.length); NativeBuffer sc = NativeBuffer.floats(scale.length);
             NativeBuffer zr = NativeBuffer.floats(zero.length)) {
            src.floatView(0, wf.length).put(wf);
            Native.check(LowbitNative.lb_group_params(f.id, GROUP, src.address(), ROWS, n, s.clipGrid(), s.maxShrink(),
                    s.clipNorm(), sc.address(), zr.address()), "group params");
            sc.floatView(0, scale.length).get(scale);
            zr.floatView(0, zero.length).get(zero);
        }
        double[] q = published(s, (x, r, c) -> {
            double sc = scale[r * ng + c / GROUP], z = zero[r * ng + c / GROUP];
            return sc == 0 ? 0 : sc * (Math.min(Math.max(Math.rint(x / sc) + z, 0), qmax) - z);
        });
        return new Reference(q, scale, zero);
    }

    /** W in double, the weights of always-zero inputs (H[i][i] = 0) zeroed, as GPTQ does before choosing its grids */
    static double[][] liveWeights() {
        double[][] w = new double[ROWS][COLS];
        for (int r = 0; r < ROWS; r++) for (int c = 0; c < COLS; c++) w[r][c] = H[c * COLS + c] == 0 ? 0 : W[r * COLS + c];
        return w;
    }

    /** a fixed grid: the value weight x of row r, original column c, rounds to */
    interface Grid {
        double round(double x, int r, int c);
    }

    /** the published column-at-a-time GPTQ loop (act-order and dampening as the settings say) onto a fixed grid */
    static double[] published(Gptq.Settings s, Grid grid) {
        int n = COLS;
        double[][] w = liveWeights(), h = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) h[i][j] = H[i * n + j];
        for (int i = 0; i < n; i++) if (h[i][i] == 0) h[i][i] = 1;
        double[][] hh = h;
        int[] perm = s.actOrder()
                ? IntStream.range(0, n).boxed().sorted(Comparator.comparingDouble(i -> -hh[i][i])).mapToInt(i -> i).toArray()
                : IntStream.range(0, n).toArray();
        double[][] wp = new double[ROWS][n], hp = new double[n][n];
        for (int r = 0; r < ROWS; r++) for (int k = 0; k < n; k++) wp[r][k] = w[r][perm[k]];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) hp[i][j] = h[perm[i]][perm[j]];
        double mean = 0;
        for (int i = 0; i < n; i++) mean += hp[i][i] / n;
        for (int i = 0; i < n; i++) hp[i][i] += s.damp() * mean;
        double[][] hinv = inverse(hp);
        double[] q = new double[ROWS * n];
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < ROWS; r++) {
                double v = grid.round(wp[r][i], r, perm[i]);
                double err = (wp[r][i] - v) / hinv[i][i];
                for (int j = i + 1; j < n; j++) wp[r][j] -= err * hinv[i][j];
                q[r * n + perm[i]] = v;
            }
            for (int a = i + 1; a < n; a++)
                for (int b = i + 1; b < n; b++) hinv[a][b] -= hinv[a][i] * hinv[i][b] / hinv[i][i];
        }
        return q;
    }

    /** H^-1 from H = L L^T: L by the Cholesky-Banachiewicz recurrence, then L L^T x = e_k for every k */
    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        double[][] inv = new double[n][n];
        for (int e = 0; e < n; e++) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                double s = i == e ? 1 : 0;
                for (int k = 0; k < i; k++) s -= l[i][k] * y[k];
                y[i] = s / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double s = y[i];
                for (int k = i + 1; k < n; k++) s -= l[k][i] * inv[k][e];
                inv[i][e] = s / l[i][i];
            }
        }
        return inv;
    }

    static int code(double v, float scale, float zero) {
        return scale == 0 ? 0 : (int) Math.rint(v / scale) + (int) zero;
    }

    static double objective(float[] q) {
        return objective(IntStream.range(0, q.length).mapToDouble(i -> q[i]).toArray());
    }

    /** tr((W-Q) H (W-Q)^T): the squared change of the layer's output over the calibration tokens */
    static double objective(double[] q) {
        double sum = 0;
        for (int r = 0; r < ROWS; r++)
            for (int i = 0; i < COLS; i++) {
                double hd = 0;
                for (int j = 0; j < COLS; j++) hd += H[i * COLS + j] * (W[r * COLS + j] - q[r * COLS + j]);
                sum += (W[r * COLS + i] - q[r * COLS + i]) * hd;
            }
        return sum;
    }

    /** round-to-nearest on each group's own range, through the format's packer */
    static float[] rtn(Format f) {
        long bytes = f.matrixBytes(GROUP, COLS, ROWS);
        float[] out = new float[W.length];
        try (NativeBuffer src = NativeBuffer.floats(W.length); NativeBuffer packed = new NativeBuffer(bytes);
             NativeBuffer back = NativeBuffer.floats(W.length)) {
            src.floatView(0, W.length).put(W);
            Native.check(LowbitNative.lb_quantize(f.id, GROUP, src.address(), packed.address(), ROWS, COLS), "quantize");
            Native.check(LowbitNative.lb_dequantize(f.id, GROUP, packed.address(), back.address(), ROWS, COLS), "dequantize");
            back.floatView(0, W.length).get(out);
        }
        return out;
    }

    /** the result packed onto its own grids as the driver will store it, and dequantized again */
    static float[] packedAndBack(Format f, Gptq.Result r) {
        long bytes = f.matrixBytes(GROUP, COLS, ROWS);
        float[] out = new float[W.length];
        try (NativeBuffer src = NativeBuffer.floats(W.length); NativeBuffer sc = NativeBuffer.floats(r.scale().length);
             NativeBuffer zr = NativeBuffer.floats(r.zero().length); NativeBuffer packed = new NativeBuffer(bytes);
             NativeBuffer back = NativeBuffer.floats(W.length)) {
            src.floatView(0, W.length).put(r.weights());
            sc.floatView(0, r.scale().length).put(r.scale());
            zr.floatView(0, r.zero().length).put(r.zero());
            Native.check(LowbitNative.lb_quantize_params(f.id, GROUP, src.address(), sc.address(), zr.address(),
                    packed.address(), ROWS, COLS), "quantize params");
            Native.check(LowbitNative.lb_dequantize(f.id, GROUP, packed.address(), back.address(), ROWS, COLS), "dequantize");
            back.floatView(0, W.length).get(out);
        }
        return out;
    }
}
