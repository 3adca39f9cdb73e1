package dev.lowbit.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reference quantizers with ggml's round-to-nearest semantics, for writing synthetic test
 * models and as the oracle of the native quantize kernels: F32, F16, BF16, Q8_0, Q4_0, Q4_1,
 * Q5_0, Q5_1. Each row is quantized independently, block by block.
 */
public final class Quant {
    private Quant() {}

    /** whether {@link #fromFloat} encodes this type */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 -> true;
            default -> false;
        };
    }

    /**
     * Encodes a row-major rows x cols matrix.
     *
     * @return a little-endian buffer of rows * type.rowBytes(cols) bytes, positioned at 0
     * @throws IllegalArgumentException for an unsupported type, a row length that is not a
     *     multiple of the block size, or data of the wrong length
     */
    public static ByteBuffer fromFloat(GgmlType type, float[] data, long rows, long cols) {
        if (!supports(type)) throw new IllegalArgumentException("no reference quantizer for " + type);
        if (rows <= 0 || cols <= 0 || rows * cols != data.length || data.length / cols != rows) {
            throw new IllegalArgumentException(rows + " x " + cols + " does not match " + data.length + " values");
        }
        long rowBytes = type.rowBytes(cols);
        long total = rowBytes * rows;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(type + " " + rows + " x " + cols + " is over 2 GiB");
        ByteBuffer out = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        int blocks = data.length / type.blockSize();
        for (int i = 0; i < blocks; i++) {
            int x = i * type.blockSize();
            switch (type) {
                case F32 -> out.putFloat(data[x]);
                case F16 -> out.putShort(Dequant.floatToF16(data[x]));
                case BF16 -> out.putShort(Dequant.floatToBf16(data[x]));
                case Q8_0 -> q8_0(data, x, out);
                case Q4_0 -> q4_0(data, x, out);
                case Q4_1 -> q4_1(data, x, out);
                case Q5_0 -> q5_0(data, x, out);
                case Q5_1 -> q5_1(data, x, out);
                default -> throw new AssertionError(type);
            }
        }
        return out.flip();
    }

    /** symmetric 8-bit: d = max|x| / 127, q = round(x / d) */
    private static void q8_0(float[] v, int x, ByteBuffer out) {
        float amax = 0;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(v[x + j]));
        float d = amax / 127;
        float id = d != 0 ? 1.0f / d : 0.0f;
        out.putShort(Dequant.floatToF16(d));
        for (int j = 0; j < 32; j++) out.put((byte) roundAway(v[x + j] * id));
    }

    /** symmetric 4-bit: the value of largest magnitude maps to -8 exactly */
    private static void q4_0(float[] v, int x, ByteBuffer out) {
        float max = signedAbsMax(v, x);
        float d = max / -8;
        float id = d != 0 ? 1.0f / d : 0.0f;
        out.putShort(Dequant.floatToF16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (v[x + j] * id + 8.5f));
            int hi = Math.min(15, (int) (v[x + 16 + j] * id + 8.5f));
            out.put((byte) (lo | (hi << 4)));
        }
    }

    /** asymmetric 4-bit: d = (max - min) / 15, offset m = min */
    private static void q4_1(float[] v, int x, ByteBuffer out) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, v[x + j]);
            max = Math.max(max, v[x + j]);
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1.0f / d : 0.0f;
        out.putShort(Dequant.floatToF16(d));
        out.putShort(Dequant.floatToF16(min));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) ((v[x + j] - min) * id + 0.5f));
            int hi = Math.min(15, (int) ((v[x + 16 + j] - min) * id + 0.5f));
            out.put((byte) (lo | (hi << 4)));
        }
    }

    /** symmetric 5-bit: the value of largest magnitude maps to -16 exactly */
    private static void q5_0(float[] v, int x, ByteBuffer out) {
        float max = signedAbsMax(v, x);
        float d = max / -16;
        float id = d != 0 ? 1.0f / d : 0.0f;
        out.putShort(Dequant.floatToF16(d));
        int[] q = new int[32];
        for (int j = 0; j < 32; j++) q[j] = Math.min(31, (int) (v[x + j] * id + 16.5f));
        put5(q, out);
    }

    /** asymmetric 5-bit: d = (max - min) / 31, offset m = min */
    private static void q5_1(float[] v, int x, ByteBuffer out) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, v[x + j]);
            max = Math.max(max, v[x + j]);
        }
        float d = (max - min) / 31;
        float id = d != 0 ? 1.0f / d : 0.0f;
        out.putShort(Dequant.floatToF16(d));
        out.putShort(Dequant.floatToF16(min));
        int[] q = new int[32];
        for (int j = 0; j < 32; j++) q[j] = Math.min(31, (int) ((v[x + j] - min) * id + 0.5f));
        put5(q, out);
    }

    /** 32 five-bit values: fifth bits as a u32 (bit j = element j), then nibbles as Q4 */
    private static void put5(int[] q, ByteBuffer out) {
        int qh = 0;
        for (int j = 0; j < 32; j++) qh |= ((q[j] >>> 4) & 1) << j;
        out.putInt(qh);
        for (int j = 0; j < 16; j++) out.put((byte) ((q[j] & 0xF) | ((q[j + 16] & 0xF) << 4)));
    }

    /** the value with the largest magnitude, sign kept (first one on ties) */
    private static float signedAbsMax(float[] v, int x) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++) {
            float a = Math.abs(v[x + j]);
            if (amax < a) {
                amax = a;
                max = v[x + j];
            }
        }
        return max;
    }

    /** C roundf: halfway cases away from zero */
    static float roundAway(float f) {
        double r = Math.floor(Math.abs((double) f) + 0.5);
        return (float) Math.copySign(r, f);
    }
}
