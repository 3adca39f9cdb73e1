package dev.lowbit.quant.method;

import dev.lowbit.gguf.Dequant;
import dev.lowbit.quant.Format;

/**
 * The block grids of llama.cpp's own 32-element types (Q4_0, Q4_1, Q8_0) for a calibrated method:
 * each block's f16 scale (and Q4_1's f16 minimum) is fixed per row and block before any column is
 * rounded, so a method can round column by column onto it (GPTQ) and {@link #pack} writes the
 * standard ggml blocks. The parameters start from llama.cpp's reference rule (Q4_0: d = signed
 * max / -8; Q4_1: d = (max - min) / 15, m = min; Q8_0: d = max|x| / 127) and, with a clipping
 * grid, keep the range shrink p = 1 - i/grid (i < maxShrink * grid) whose block error
 * sum |x - q(x)|^norm is smallest (p = 1 is the reference rule, so the search never loses to it).
 */
public final class GgufGrid {
    public static final int BLOCK = 32;

    private final Format format;
    private final int rows, blocks;
    private final float[] d, m;  // per row and block, the f16 values the file stores

    private GgufGrid(Format format, int rows, int blocks) {
        this.format = format;
        this.rows = rows;
        this.blocks = blocks;
        this.d = new float[rows * blocks];
        this.m = new float[rows * blocks];
    }

    /** whether a calibrated method can round onto this format's grid */
    public static boolean supports(Format f) {
        return f == Format.Q4_0 || f == Format.Q4_1 || f == Format.Q8_0;
    }

    /** the grids of w [rows][cols] (cols a multiple of 32), searched with GPTQ's clipping settings (grid 0 = the reference rule alone) */
    public static GgufGrid of(Format format, float[] w, int rows, int cols, int clipGrid, float maxShrink, float norm) {
        if (!supports(format)) throw new IllegalArgumentException("no calibrated grid for " + format + " (q4_0, q4_1, q8_0)");
        if (cols % BLOCK != 0) throw new IllegalArgumentException(cols + " inputs are not a whole number of " + format + " blocks of " + BLOCK);
        GgufGrid g = new GgufGrid(format, rows, cols / BLOCK);
        int steps = clipGrid <= 0 ? 1 : Math.max(1, (int) (maxShrink * clipGrid));
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < g.blocks; b++) {
                int o = r * cols + b * BLOCK, k = r * g.blocks + b;
                g.set(k, w, o, steps == 1 ? 1f : bestP(g, w, o, k, clipGrid, steps, norm));
            }
        return g;
    }

    /** the range shrink of block k's smallest error */
    private static float bestP(GgufGrid g, float[] w, int o, int k, int clipGrid, int steps, float norm) {
        double best = Double.MAX_VALUE;
        float bp = 1f;
        for (int i = 0; i < steps; i++) {
            float p = 1f - (float) i / clipGrid;
            g.set(k, w, o, p);
            double e = 0;
            for (int j = 0; j < BLOCK; j++) e += Math.pow(Math.abs(w[o + j] - g.round(w[o + j], k)), norm);
            if (e < best) {
                best = e;
                bp = p;
            }
        }
        return bp;
    }

    /** block k's parameters from the 32 weights at o, their range shrunk by p */
    private void set(int k, float[] w, int o, float p) {
        switch (format) {
            case Q4_0 -> {
                float amax = 0, max = 0;
                for (int j = 0; j < BLOCK; j++)
                    if (Math.abs(w[o + j]) > amax) {
                        amax = Math.abs(w[o + j]);
                        max = w[o + j];
                    }
                d[k] = f16(p * max / -8);
            }
            case Q4_1 -> {
                float mn = w[o], mx = w[o];
                for (int j = 1; j < BLOCK; j++) {
                    mn = Math.min(mn, w[o + j]);
                    mx = Math.max(mx, w[o + j]);
                }
                d[k] = f16((p * mx - p * mn) / 15);
                m[k] = f16(p * mn);
            }
            default -> {
                float amax = 0;
                for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(w[o + j]));
                d[k] = f16(p * amax / 127);
            }
        }
    }

    private static float f16(float x) {
        return Dequant.f16ToFloat(Dequant.floatToF16(x));
    }

    /** the code of x on block k's grid */
    private int code(float x, int k) {
        float s = d[k];
        return switch (format) {
            case Q4_0 -> s == 0 ? 8 : (int) Math.min(Math.max(Math.rint(x / s) + 8, 0), 15);
            case Q4_1 -> s == 0 ? 0 : (int) Math.min(Math.max(Math.rint((x - m[k]) / s), 0), 15);
            default -> s == 0 ? 0 : (int) Math.min(Math.max(Math.rint(x / s), -127), 127);
        };
    }

    private float value(int c, int k) {
        return switch (format) {
            case Q4_0 -> d[k] * (c - 8);
            case Q4_1 -> d[k] * c + m[k];
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
        int cols = blocks * BLOCK, bb = format == Format.Q8_0 ? 34 : format == Format.Q4_1 ? 20 : 18;
        if (w.length != rows * cols) throw new IllegalArgumentException("expected " + rows + "x" + cols + " weights");
        byte[] out = new byte[rows * blocks * bb];
        int[] c = new int[BLOCK];
        for (int k = 0; k < rows * blocks; k++) {
            int o = k * BLOCK, p = k * bb;
            for (int j = 0; j < BLOCK; j++) c[j] = code(w[o + j], k);
            p = put16(out, p, Dequant.floatToF16(d[k]));
            if (format == Format.Q4_1) p = put16(out, p, Dequant.floatToF16(m[k]));
            if (format == Format.Q8_0) {
                for (int j = 0; j < BLOCK; j++) out[p + j] = (byte) c[j];
            } else {
                // ggml's nibble order: byte j holds element j (low) and element j + 16 (high)
                for (int j = 0; j < 16; j++) out[p + j] = (byte) (c[j] | (c[j + 16] << 4));
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
