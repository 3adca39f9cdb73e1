package dev.lowbit.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Pure-Java reference decoders for ggml tensor types, written from the ggml block layouts.
 * They are deliberately simple (one block at a time, float arithmetic in the same order as
 * ggml's scalar code) and serve as the oracle for the native kernels' tests.
 */
public final class Dequant {
    private Dequant() {}

    /**
     * Decodes {@code elements} values of {@code type} from data (starting at its position;
     * the position is not changed).
     *
     * @throws IllegalArgumentException if elements is not a whole number of blocks, data is
     *     too short, or the type has no decoder here (IQ*, TQ*, MXFP4)
     */
    public static float[] toFloat(GgmlType type, ByteBuffer data, long elements) {
        if (elements < 0 || elements > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("element count " + elements + " out of range");
        if (elements % type.blockSize() != 0) {
            throw new IllegalArgumentException(elements + " elements is not a whole number of " + type + " blocks of " + type.blockSize());
        }
        long blocks = elements / type.blockSize();
        long bytes = blocks * type.typeSize();
        if (data.remaining() < bytes) throw new IllegalArgumentException(type + ": " + elements + " elements need " + bytes + " bytes, only " + data.remaining() + " given");
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = b.position();
        float[] y = new float[(int) elements];
        int ts = type.typeSize(), bs = type.blockSize();
        for (int i = 0; i < blocks; i++) {
            int o = base + i * ts;
            int yo = i * bs;
            switch (type) {
                case F32 -> y[yo] = b.getFloat(o);
                case F16 -> y[yo] = f16ToFloat(b.getShort(o));
                case BF16 -> y[yo] = bf16ToFloat(b.getShort(o));
                case F64 -> y[yo] = (float) b.getDouble(o);
                case I8 -> y[yo] = b.get(o);
                case I16 -> y[yo] = b.getShort(o);
                case I32 -> y[yo] = b.getInt(o);
                case I64 -> y[yo] = b.getLong(o);
                case Q4_0 -> q4_0(b, o, y, yo);
                case Q4_1 -> q4_1(b, o, y, yo);
                case Q5_0 -> q5_0(b, o, y, yo);
                case Q5_1 -> q5_1(b, o, y, yo);
                case Q8_0 -> q8_0(b, o, y, yo);
                case Q8_1 -> q8_1(b, o, y, yo);
                case Q2_K -> q2_K(b, o, y, yo);
                case Q3_K -> q3_K(b, o, y, yo);
                case Q4_K -> q4_K(b, o, y, yo);
                case Q5_K -> q5_K(b, o, y, yo);
                case Q6_K -> q6_K(b, o, y, yo);
                case Q8_K -> q8_K(b, o, y, yo);
                default -> throw new IllegalArgumentException("no reference decoder for " + type);
            }
        }
        return y;
    }

    /** whether {@link #toFloat} decodes this type */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, F64, I8, I16, I32, I64, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1,
                    Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K -> true;
            default -> false;
        };
    }

    // ---- 32-element blocks: scale d (f16) [, min m (f16)] [, 32 high bits] , packed quants ----

    private static void q4_0(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o));
        for (int j = 0; j < 16; j++) {
            int q = b.get(o + 2 + j) & 0xFF;
            y[yo + j] = ((q & 0xF) - 8) * d;        // low nibbles are elements 0..15
            y[yo + j + 16] = ((q >>> 4) - 8) * d;   // high nibbles are elements 16..31
        }
    }

    private static void q4_1(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o));
        float m = f16ToFloat(b.getShort(o + 2));
        for (int j = 0; j < 16; j++) {
            int q = b.get(o + 4 + j) & 0xFF;
            y[yo + j] = (q & 0xF) * d + m;
            y[yo + j + 16] = (q >>> 4) * d + m;
        }
    }

    private static void q5_0(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o));
        int qh = b.getInt(o + 2); // bit j is the fifth bit of element j
        for (int j = 0; j < 16; j++) {
            int q = b.get(o + 6 + j) & 0xFF;
            int h0 = (qh >>> j) & 1, h1 = (qh >>> (j + 16)) & 1;
            y[yo + j] = (((q & 0xF) | (h0 << 4)) - 16) * d;
            y[yo + j + 16] = (((q >>> 4) | (h1 << 4)) - 16) * d;
        }
    }

    private static void q5_1(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o));
        float m = f16ToFloat(b.getShort(o + 2));
        int qh = b.getInt(o + 4);
        for (int j = 0; j < 16; j++) {
            int q = b.get(o + 8 + j) & 0xFF;
            int h0 = (qh >>> j) & 1, h1 = (qh >>> (j + 16)) & 1;
            y[yo + j] = ((q & 0xF) | (h0 << 4)) * d + m;
            y[yo + j + 16] = ((q >>> 4) | (h1 << 4)) * d + m;
        }
    }

    private static void q8_0(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o));
        for (int j = 0; j < 32; j++) y[yo + j] = b.get(o + 2 + j) * d;
    }

    private static void q8_1(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o)); // o+2 holds s = d * sum(q), not needed to decode
        for (int j = 0; j < 32; j++) y[yo + j] = b.get(o + 4 + j) * d;
    }

    // ---- 256-element super-blocks (k-quants) ----

    /** Q2_K: scales[16] (low nibble scale, high nibble min), qs[64] 2-bit, d, dmin */
    private static void q2_K(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o + 80));
        float dmin = f16ToFloat(b.getShort(o + 82));
        int out = yo;
        int is = 0;
        for (int half = 0; half < 2; half++) {       // each half: 32 bytes of qs, 128 values
            int q = o + 16 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {  // 16 values per scale
                    int sc = b.get(o + is++) & 0xFF;
                    float dl = d * (sc & 0xF), ml = dmin * (sc >>> 4);
                    for (int l = 0; l < 16; l++) y[out++] = dl * (((b.get(q + 16 * part + l) & 0xFF) >>> shift) & 3) - ml;
                }
            }
        }
    }

    /** Q3_K: hmask[32], qs[64] low 2 bits, scales[12] (16 six-bit scales), d */
    private static void q3_K(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o + 108));
        int out = yo;
        int is = 0;
        int m = 1;
        for (int half = 0; half < 2; half++) {
            int q = o + 32 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int part = 0; part < 2; part++) {
                    float dl = d * (q3Scale(b, o + 96, is++) - 32);
                    for (int l = 0; l < 16; l++) {
                        int idx = 16 * part + l;
                        int low = ((b.get(q + idx) & 0xFF) >>> shift) & 3;
                        boolean high = (b.get(o + idx) & m) != 0; // a set high bit means "no -4"
                        y[out++] = dl * (low - (high ? 0 : 4));
                    }
                }
                m <<= 1;
            }
        }
    }

    /** six-bit scale i of Q3_K: low 4 bits in bytes 0..7 (nibbles), high 2 bits in bytes 8..11 */
    static int q3Scale(ByteBuffer b, int s, int i) {
        int low = i < 8 ? b.get(s + i) & 0xF : (b.get(s + i - 8) & 0xFF) >>> 4;
        int high = ((b.get(s + 8 + (i & 3)) & 0xFF) >>> (2 * (i >>> 2))) & 3;
        return low | (high << 4);
    }

    /** scale (0) or min (1) j of the 12-byte Q4_K/Q5_K scale block: eight 6-bit pairs */
    public static int kScaleMin(ByteBuffer b, int s, int j, int which) {
        if (j < 4) return b.get(s + j + 4 * which) & 63;
        int lo = which == 0 ? b.get(s + j + 4) & 0xF : (b.get(s + j + 4) & 0xFF) >>> 4;
        int hi = (b.get(s + j - 4 + 4 * which) & 0xFF) >>> 6;
        return lo | (hi << 4);
    }

    /** Q4_K: d, dmin, scales[12], qs[128]; 8 sub-blocks of 32 with 6-bit scale and min */
    private static void q4_K(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o));
        float dmin = f16ToFloat(b.getShort(o + 2));
        int out = yo;
        for (int chunk = 0; chunk < 4; chunk++) {   // 32 bytes: low nibbles then high nibbles
            int q = o + 16 + 32 * chunk;
            float d1 = d * kScaleMin(b, o + 4, 2 * chunk, 0), m1 = dmin * kScaleMin(b, o + 4, 2 * chunk, 1);
            float d2 = d * kScaleMin(b, o + 4, 2 * chunk + 1, 0), m2 = dmin * kScaleMin(b, o + 4, 2 * chunk + 1, 1);
            for (int l = 0; l < 32; l++) y[out++] = d1 * (b.get(q + l) & 0xF) - m1;
            for (int l = 0; l < 32; l++) y[out++] = d2 * ((b.get(q + l) & 0xFF) >>> 4) - m2;
        }
    }

    /** Q5_K: d, dmin, scales[12], qh[32], qs[128] */
    private static void q5_K(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o));
        float dmin = f16ToFloat(b.getShort(o + 2));
        int out = yo;
        for (int chunk = 0; chunk < 4; chunk++) {
            int q = o + 48 + 32 * chunk;
            int u1 = 1 << (2 * chunk), u2 = 2 << (2 * chunk);
            float d1 = d * kScaleMin(b, o + 4, 2 * chunk, 0), m1 = dmin * kScaleMin(b, o + 4, 2 * chunk, 1);
            float d2 = d * kScaleMin(b, o + 4, 2 * chunk + 1, 0), m2 = dmin * kScaleMin(b, o + 4, 2 * chunk + 1, 1);
            for (int l = 0; l < 32; l++) y[out++] = d1 * ((b.get(q + l) & 0xF) + ((b.get(o + 16 + l) & u1) != 0 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) y[out++] = d2 * (((b.get(q + l) & 0xFF) >>> 4) + ((b.get(o + 16 + l) & u2) != 0 ? 16 : 0)) - m2;
        }
    }

    /** Q6_K: ql[128] low 4 bits, qh[64] high 2 bits, scales[16] int8, d */
    private static void q6_K(ByteBuffer b, int o, float[] y, int yo) {
        float d = f16ToFloat(b.getShort(o + 208));
        for (int half = 0; half < 2; half++) {
            int ql = o + 64 * half, qh = o + 128 + 32 * half, sc = o + 192 + 8 * half;
            int out = yo + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int h = b.get(qh + l) & 0xFF;
                int lo0 = b.get(ql + l) & 0xFF, lo1 = b.get(ql + l + 32) & 0xFF;
                int q1 = ((lo0 & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((lo1 & 0xF) | (((h >>> 2) & 3) << 4)) - 32;
                int q3 = ((lo0 >>> 4) | (((h >>> 4) & 3) << 4)) - 32;
                int q4 = ((lo1 >>> 4) | (((h >>> 6) & 3) << 4)) - 32;
                y[out + l] = d * b.get(sc + is) * q1;
                y[out + l + 32] = d * b.get(sc + is + 2) * q2;
                y[out + l + 64] = d * b.get(sc + is + 4) * q3;
                y[out + l + 96] = d * b.get(sc + is + 6) * q4;
            }
        }
    }

    /** Q8_K: float d, qs[256] int8, bsums[16] (sums of 16 quants, not needed to decode) */
    private static void q8_K(ByteBuffer b, int o, float[] y, int yo) {
        float d = b.getFloat(o);
        for (int j = 0; j < 256; j++) y[yo + j] = d * b.get(o + 4 + j);
    }

    // ---- scalar conversions ----

    /** IEEE half to float (exact: every half is a float) */
    public static float f16ToFloat(short h) {
        int x = h & 0xFFFF;
        int sign = (x >>> 15) << 31;
        int exp = (x >>> 10) & 0x1F;
        int mant = x & 0x3FF;
        if (exp == 0) {
            float v = mant * 0x1p-24f; // zero or subnormal: mant * 2^-24, exact in float
            return sign != 0 ? -v : v;
        }
        if (exp == 31) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float to IEEE half, rounding to nearest even; overflow gives infinity, NaN stays NaN */
    public static short floatToF16(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int a = x & 0x7FFFFFFF;
        if (a >= 0x7F800000) {
            if (a == 0x7F800000) return (short) (sign | 0x7C00);
            return (short) (sign | 0x7E00 | ((a >>> 13) & 0x3FF)); // quiet NaN, payload kept where it fits
        }
        int exp = (a >>> 23) - 127 + 15;
        if (exp >= 31) return (short) (sign | 0x7C00);
        if (exp <= 0) {
            // half subnormal: mantissa with implicit bit, shifted to units of 2^-24
            int shift = 14 - exp;
            if (shift > 24) return (short) sign;
            int m = (a & 0x7FFFFF) | 0x800000;
            int r = m >>> shift;
            int rem = m & ((1 << shift) - 1), halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (r & 1) != 0)) r++;
            return (short) (sign | r);
        }
        int h = (exp << 10) | ((a >>> 13) & 0x3FF);
        int rem = a & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) h++; // a carry may reach infinity: correct
        return (short) (sign | h);
    }

    public static float bf16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** float to bfloat16, rounding to nearest even; NaN becomes a quiet NaN */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) return (short) ((x >>> 16) | 0x40);
        return (short) ((x + 0x7FFF + ((x >>> 16) & 1)) >>> 16);
    }
}
