package dev.lowbit.quant.method;

import dev.lowbit.gguf.Dequant;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.NativeTypeGguf;

/**
 * The block grids of llama.cpp's own types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 in blocks of 32; Q4_K) for a calibrated method:
 * each block's f16 scale (and Q4_1's f16 minimum) is fixed per row and block before any column is
 * rounded, so a method can round column by column onto it (GPTQ) and {@link #pack} writes the
 * standard ggml blocks. The parameters start from llama.cpp's reference rule (Q4_0: d = signed
 * max / -8, Q5_0: / -16; Q4_1: d = (max - min) / 15, Q5_1: / 31, m = min; Q8_0: d = max|x| / 127) and, with a clipping
 * grid, keep the range shrink p = 1 - i/grid (i < maxShrink * grid) whose block error is smallest:
 * sum |x - q(x)|^norm (GPTQ's clipping), or the block's output error d^T H_bb d over the calibration
 * inputs (AWQ's, {@link #outputError}) (p = 1 is the reference rule, so the search never loses to it).
 * Q4_K's grid is one per 32-element sub-block (x = d*sc*q - dmin*m, q in 0..15) under the f16 d and
 * dmin of its 256-element super-block: the project's own Q4_K quantizer ({@code lb_quantize}) encodes
 * the (shrunk) original row and its header - d, dmin and the 6-bit sc, m - is read back and kept
 * as it is, so every grid value is one the file can hold; the shrink is chosen per super-block.
 */
public final class GgufGrid {
    public static final int BLOCK = 32;
    /** Q4_K: elements per super-block and bytes per block (f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 of nibbles) */
    static final int K_SUPER = 256, K_BYTES = 144, K_HEAD = 16;

    private static final java.util.List<Format> GRIDS = java.util.List.of(Format.Q4_0, Format.Q4_1, Format.Q5_0, Format.Q5_1, Format.Q8_0, Format.Q4_K);

    private final Format format;
    private final int rows, blocks;
    private final float[] d, m;  // per row and block, the f16 values the file stores (Q4_K: d*sc and dmin*m of each sub-block)
    private byte[] head;  // Q4_K: the 16 header bytes of each row's super-blocks

    private GgufGrid(Format format, int rows, int blocks) {
        this.format = format;
        this.rows = rows;
        this.blocks = blocks;
        this.d = new float[rows * blocks];
        this.m = new float[rows * blocks];
    }

    /** whether a calibrated method can round onto this format's grid */
    public static boolean supports(Format f) {
        return GRIDS.contains(f);
    }

    /** the types {@link #supports} names, as --format takes them */
    public static String typeNames() {
        return String.join(", ", GRIDS.stream().map(NativeTypeGguf::typeName).toList());
    }

    /** the columns a row of this format must be a multiple of: its (super-)block */
    public static int columnsPer(Format f) {
        return f == Format.Q4_K ? K_SUPER : BLOCK;
    }

    /** the rounding error of one block of 32: its differences x - q(x), the block's first column in its row */
    public interface BlockError {
        double of(float[] diff, int col);
    }

    /** sum |x - q(x)|^norm */
    public static BlockError weightError(float norm) {
        return (diff, col) -> {
            double e = 0;
            for (float x : diff) e += Math.pow(Math.abs(x), norm);
            return e;
        };
    }

    /** d^T H_bb d with H = X^T X [cols][cols]: the block's share of its row's output error over the calibration inputs */
    public static BlockError outputError(float[] h, int cols) {
        return (diff, col) -> {
            double e = 0;
            for (int i = 0; i < BLOCK; i++) {
                if (diff[i] == 0) continue;
                double s = 0;
                for (int j = 0; j < BLOCK; j++) s += h[(col + i) * cols + col + j] * diff[j];
                e += diff[i] * s;
            }
            return e;
        };
    }

    /** the grids of w [rows][cols] (cols a multiple of {@link #columnsPer}), searched with GPTQ's clipping settings (grid 0 = the reference rule alone) */
    public static GgufGrid of(Format format, float[] w, int rows, int cols, int clipGrid, float maxShrink, float norm) {
        return of(format, w, rows, cols, clipGrid, maxShrink, weightError(norm));
    }

    /** the grids of w [rows][cols], each block's range shrink the one of the smallest error e */
    public static GgufGrid of(Format format, float[] w, int rows, int cols, int clipGrid, float maxShrink, BlockError e) {
        if (!supports(format)) throw new IllegalArgumentException("no calibrated grid for " + format + " (" + typeNames() + ")");
        int per = columnsPer(format);
        if (cols % per != 0) throw new IllegalArgumentException(cols + " inputs are not a whole number of " + format + " blocks of " + per);
        GgufGrid g = new GgufGrid(format, rows, cols / BLOCK);
        int steps = clipGrid <= 0 ? 1 : Math.max(1, (int) (maxShrink * clipGrid));
        if (format == Format.Q4_K) {
            g.searchK(w, cols, clipGrid, steps, e);
            return g;
        }
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < g.blocks; b++) {
                int o = r * cols + b * BLOCK, k = r * g.blocks + b;
                g.set(k, w, o, steps == 1 ? 1f : bestP(g, w, o, k, clipGrid, steps, e, b * BLOCK));
            }
        return g;
    }

    /** the range shrink of block k's smallest error */
    private static float bestP(GgufGrid g, float[] w, int o, int k, int clipGrid, int steps, BlockError err, int col) {
        double best = Double.MAX_VALUE;
        float bp = 1f;
        float[] diff = new float[BLOCK];
        for (int i = 0; i < steps; i++) {
            float p = 1f - (float) i / clipGrid;
            g.set(k, w, o, p);
            for (int j = 0; j < BLOCK; j++) diff[j] = w[o + j] - g.round(w[o + j], k);
            double e = err.of(diff, col);
            if (e < best) {
                best = e;
                bp = p;
            }
        }
        return bp;
    }

    /**
     * Q4_K: for each range shrink p (p = 1 first), the project's quantizer encodes p*w; each
     * super-block keeps the header whose grid rounds its original 256 weights with the smallest
     * error (the sum of its sub-blocks' errors; at p = 1 alone, the grid is the quantizer's own: RTN
     * onto it gives its bytes).
     */
    private void searchK(float[] w, int cols, int clipGrid, int steps, BlockError err) {
        int supers = rows * (cols / K_SUPER);
        head = new byte[supers * K_HEAD];
        double[] best = new double[supers];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        float[] ps = new float[w.length], td = new float[8], tm = new float[8], diff = new float[BLOCK];
        for (int i = 0; i < steps; i++) {
            float p = i == 0 ? 1f : 1f - (float) i / clipGrid;  // clipGrid may be 0 (one step, no search)
            for (int j = 0; j < w.length; j++) ps[j] = i == 0 ? w[j] : p * w[j];
            byte[] q = MatrixMethods.pack(Format.Q4_K, 0, rows, cols, cols, ps, null, null).data();
            for (int s = 0; s < supers; s++) {
                int o = s * K_SUPER;
                kGrid(q, s * K_BYTES, td, tm);
                double e = 0;
                for (int sb = 0; sb < 8; sb++) {
                    for (int j = 0; j < BLOCK; j++) {
                        float x = w[o + sb * BLOCK + j];
                        diff[j] = x - kValue(kCode(x, td[sb], tm[sb]), td[sb], tm[sb]);
                    }
                    e += err.of(diff, o % cols + sb * BLOCK);
                }
                if (e < best[s]) {
                    best[s] = e;
                    System.arraycopy(q, s * K_BYTES, head, s * K_HEAD, K_HEAD);
                    System.arraycopy(td, 0, d, s * 8, 8);
                    System.arraycopy(tm, 0, m, s * 8, 8);
                }
            }
        }
    }

    /** the effective scale d*sc and offset dmin*m of the 8 sub-blocks of the Q4_K block at b[o], as the dequantizer forms them */
    private static void kGrid(byte[] b, int o, float[] es, float[] em) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float dd = Dequant.f16ToFloat(bb.getShort(o)), dm = Dequant.f16ToFloat(bb.getShort(o + 2));
        for (int j = 0; j < 8; j++) {
            es[j] = dd * Dequant.kScaleMin(bb, o + 4, j, 0);
            em[j] = dm * Dequant.kScaleMin(bb, o + 4, j, 1);
        }
    }

    /** the native quantizer's Q4_K code: round (x + m) / s to nearest even, clamped to 0..15; 0 where the scale is 0 */
    private static int kCode(float x, float s, float mn) {
        return s > 0 ? (int) Math.min(Math.max(Math.rint((x + mn) / s), 0), 15) : 0;
    }

    private static float kValue(int c, float s, float mn) {
        return s * c - mn;
    }

    /** block k's parameters from the 32 weights at o, their range shrunk by p */
    private void set(int k, float[] w, int o, float p) {
        switch (format) {
            case Q4_0, Q5_0 -> {
                float amax = 0, max = 0;
                for (int j = 0; j < BLOCK; j++)
                    if (Math.abs(w[o + j]) > amax) {
                        amax = Math.abs(w[o + j]);
                        max = w[o + j];
                    }
                d[k] = f16(p * max / -half());
            }
            case Q4_1, Q5_1 -> {
                float mn = w[o], mx = w[o];
                for (int j = 1; j < BLOCK; j++) {
                    mn = Math.min(mn, w[o + j]);
                    mx = Math.max(mx, w[o + j]);
                }
                d[k] = f16((p * mx - p * mn) / (2 * half() - 1));
                m[k] = f16(p * mn);
            }
            default -> {
                float amax = 0;
                for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(w[o + j]));
                d[k] = f16(p * amax / 127);
            }
        }
    }

    /** the *_0 types' code offset (codes 0..2*half-1): 8 for the 4-bit types, 16 for the 5-bit */
    private int half() {
        return format == Format.Q5_0 || format == Format.Q5_1 ? 16 : 8;
    }

    private static float f16(float x) {
        return Dequant.f16ToFloat(Dequant.floatToF16(x));
    }

    /** the code of x on block k's grid */
    private int code(float x, int k) {
        float s = d[k];
        return switch (format) {
            case Q4_K -> kCode(x, s, m[k]);
            case Q4_0, Q5_0 -> s == 0 ? half() : (int) Math.min(Math.max(Math.rint(x / s) + half(), 0), 2 * half() - 1);
            case Q4_1, Q5_1 -> s == 0 ? 0 : (int) Math.min(Math.max(Math.rint((x - m[k]) / s), 0), 2 * half() - 1);
            default -> s == 0 ? 0 : (int) Math.min(Math.max(Math.rint(x / s), -127), 127);
        };
    }

    private float value(int c, int k) {
        return switch (format) {
            case Q4_K -> kValue(c, d[k], m[k]);
            case Q4_0, Q5_0 -> d[k] * (c - half());
            case Q4_1, Q5_1 -> d[k] * c + m[k];
            default -> d[k] * c;
        };
    }

    /** x rounded onto the grid of row `row`'s block `block`: a value the packed file holds exactly */
    public float round(float x, int row, int block) {
        return round(x, row * blocks + block);
    }

    private float round(float x, int k) {
        return value(code(x, k), k);
    }

    /** ggml blocks of w [rows][cols], every value already on its block's grid (as {@link #round} left it) */
    public byte[] pack(float[] w) {
        int cols = blocks * BLOCK, bb = (int) format.rowBytes(0, BLOCK);
        if (w.length != rows * cols) throw new IllegalArgumentException("expected " + rows + "x" + cols + " weights");
        if (format == Format.Q4_K) return packK(w);
        byte[] out = new byte[rows * blocks * bb];
        int[] c = new int[BLOCK];
        for (int k = 0; k < rows * blocks; k++) {
            int o = k * BLOCK, p = k * bb;
            for (int j = 0; j < BLOCK; j++) c[j] = code(w[o + j], k);
            p = put16(out, p, Dequant.floatToF16(d[k]));
            if (format == Format.Q4_1 || format == Format.Q5_1) p = put16(out, p, Dequant.floatToF16(m[k]));
            if (format == Format.Q5_0 || format == Format.Q5_1) {  // bit j of qh: bit 4 of element j
                int qh = 0;
                for (int j = 0; j < BLOCK; j++) qh |= (c[j] >> 4 & 1) << j;
                p = put16(out, put16(out, p, (short) qh), (short) (qh >>> 16));
            }
            if (format == Format.Q8_0) {
                for (int j = 0; j < BLOCK; j++) out[p + j] = (byte) c[j];
            } else {
                // ggml's nibble order: byte j holds element j (low) and element j + 16 (high)
                for (int j = 0; j < 16; j++) out[p + j] = (byte) ((c[j] & 15) | (c[j + 16] & 15) << 4);
            }
        }
        return out;
    }

    /** Q4_K blocks: the kept header, then sub-blocks 2i and 2i+1 in the low and high nibbles of 32 bytes */
    private byte[] packK(float[] w) {
        int cols = blocks * BLOCK, supers = rows * (cols / K_SUPER);
        if (w.length != rows * cols) throw new IllegalArgumentException("expected " + rows + "x" + cols + " weights");
        byte[] out = new byte[supers * K_BYTES];
        for (int s = 0; s < supers; s++) {
            int p = s * K_BYTES;
            System.arraycopy(head, s * K_HEAD, out, p, K_HEAD);
            for (int sb = 0; sb < 8; sb++) {
                int k = s * 8 + sb, o = k * BLOCK, q = p + K_HEAD + 32 * (sb / 2);
                for (int l = 0; l < BLOCK; l++) out[q + l] |= (byte) (code(w[o + l], k) << (4 * (sb & 1)));
            }
        }
        return out;
    }

    private static int put16(byte[] b, int p, short v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
        return p + 2;
    }
}
