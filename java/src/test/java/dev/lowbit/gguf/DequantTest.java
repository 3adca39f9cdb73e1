package dev.lowbit.gguf;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reference decoders against blocks built by hand: every expected value below is computed
 * per element from the ggml block layout (which bits of which byte, which scale), with scales
 * chosen so that all arithmetic is exact in float.
 */
class DequantTest {
    private static final short ONE = 0x3C00, TWO = 0x4000, HALF = 0x3800, QUARTER = 0x3400, MINUS_ONE = (short) 0xBC00;

    private static ByteBuffer blocks(GgmlType t, int n) {
        return ByteBuffer.allocate(n * t.typeSize()).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void q8_0() {
        ByteBuffer b = blocks(GgmlType.Q8_0, 2);
        b.putShort(HALF);
        for (int j = 0; j < 32; j++) b.put((byte) (j - 16));
        b.putShort(TWO);
        for (int j = 0; j < 32; j++) b.put((byte) (j == 0 ? -128 : 127 - j));
        float[] y = Dequant.toFloat(GgmlType.Q8_0, b.flip(), 64);
        for (int j = 0; j < 32; j++) assertEquals((j - 16) * 0.5f, y[j]);
        assertEquals(-256f, y[32]);
        for (int j = 1; j < 32; j++) assertEquals((127 - j) * 2f, y[32 + j]);
    }

    @Test
    void q4_0() {
        ByteBuffer b = blocks(GgmlType.Q4_0, 1);
        b.putShort(TWO);
        for (int j = 0; j < 16; j++) b.put((byte) (j | ((15 - j) << 4)));
        float[] y = Dequant.toFloat(GgmlType.Q4_0, b.flip(), 32);
        for (int j = 0; j < 16; j++) {
            assertEquals((j - 8) * 2f, y[j], "low nibble of byte " + j);
            assertEquals((15 - j - 8) * 2f, y[16 + j], "high nibble of byte " + j);
        }
    }

    @Test
    void q4_1() {
        ByteBuffer b = blocks(GgmlType.Q4_1, 1);
        b.putShort(QUARTER).putShort(MINUS_ONE);
        for (int j = 0; j < 16; j++) b.put((byte) (((j * 3) & 0xF) | ((15 - j) << 4)));
        float[] y = Dequant.toFloat(GgmlType.Q4_1, b.flip(), 32);
        for (int j = 0; j < 16; j++) {
            assertEquals(((j * 3) & 0xF) * 0.25f - 1, y[j]);
            assertEquals((15 - j) * 0.25f - 1, y[16 + j]);
        }
    }

    @Test
    void q5_0() {
        int qh = 0xA5C3_0F96;
        ByteBuffer b = blocks(GgmlType.Q5_0, 1);
        b.putShort(ONE).putInt(qh);
        for (int j = 0; j < 16; j++) b.put((byte) ((j & 0xF) | (((j * 7) & 0xF) << 4)));
        float[] y = Dequant.toFloat(GgmlType.Q5_0, b.flip(), 32);
        for (int j = 0; j < 16; j++) {
            int q0 = j | (((qh >>> j) & 1) << 4), q1 = ((j * 7) & 0xF) | (((qh >>> (16 + j)) & 1) << 4);
            assertEquals(q0 - 16f, y[j], "element " + j);
            assertEquals(q1 - 16f, y[16 + j], "element " + (16 + j));
        }
    }

    @Test
    void q5_1() {
        int qh = 0x1234_FEDC;
        ByteBuffer b = blocks(GgmlType.Q5_1, 1);
        b.putShort(HALF).putShort(TWO).putInt(qh);
        for (int j = 0; j < 16; j++) b.put((byte) ((15 - j) | (j << 4)));
        float[] y = Dequant.toFloat(GgmlType.Q5_1, b.flip(), 32);
        for (int j = 0; j < 16; j++) {
            int q0 = (15 - j) | (((qh >>> j) & 1) << 4), q1 = j | (((qh >>> (16 + j)) & 1) << 4);
            assertEquals(q0 * 0.5f + 2, y[j]);
            assertEquals(q1 * 0.5f + 2, y[16 + j]);
        }
    }

    @Test
    void q8_1AndQ8_K() {
        ByteBuffer b = blocks(GgmlType.Q8_1, 1);
        b.putShort(QUARTER).putShort((short) 0x7BFF); // the sum field does not affect values
        for (int j = 0; j < 32; j++) b.put((byte) (3 * j - 50));
        float[] y = Dequant.toFloat(GgmlType.Q8_1, b.flip(), 32);
        for (int j = 0; j < 32; j++) assertEquals((3 * j - 50) * 0.25f, y[j]);

        ByteBuffer k = blocks(GgmlType.Q8_K, 1);
        k.putFloat(0.125f);
        for (int j = 0; j < 256; j++) k.put((byte) (j - 128));
        for (int j = 0; j < 16; j++) k.putShort((short) 12345);
        float[] z = Dequant.toFloat(GgmlType.Q8_K, k.flip(), 256);
        for (int j = 0; j < 256; j++) assertEquals((j - 128) * 0.125f, z[j]);
    }

    @Test
    void q2_K() {
        ByteBuffer b = blocks(GgmlType.Q2_K, 2);
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < 16; i++) b.put((byte) (i | ((15 - i) << 4))); // scale i, min 15-i
            for (int k = 0; k < 64; k++) b.put((byte) (k * 37 + 11));
            b.putShort(s == 0 ? ONE : TWO).putShort(s == 0 ? HALF : ONE);
        }
        float[] y = Dequant.toFloat(GgmlType.Q2_K, b.flip(), 512);
        for (int e = 0; e < 256; e++) {
            int half = e / 128, group = (e % 128) / 32, l = e % 32;
            int q = (((32 * half + l) * 37 + 11) & 0xFF) >>> (2 * group) & 3;
            int sub = e / 16;
            float expect = 1.0f * sub * q - 0.5f * (15 - sub);
            assertEquals(expect, y[e], 0f, "element " + e); // 0 == -0
            assertEquals(2 * expect, y[256 + e], 0f, "second block, element " + e);
        }
    }

    /** packs sixteen 6-bit Q3_K scales: nibbles in bytes 0..7, top two bits in bytes 8..11 */
    private static byte[] packQ3Scales(int[] s) {
        byte[] p = new byte[12];
        for (int j = 0; j < 8; j++) p[j] = (byte) ((s[j] & 0xF) | ((s[j + 8] & 0xF) << 4));
        for (int i = 0; i < 16; i++) p[8 + (i % 4)] |= (byte) (((s[i] >> 4) & 3) << (2 * (i / 4)));
        return p;
    }

    @Test
    void q3_K() {
        int[] s = new int[16];
        for (int i = 0; i < 16; i++) s[i] = (i * 27 + 5) % 64;
        ByteBuffer b = blocks(GgmlType.Q3_K, 2);
        for (int blk = 0; blk < 2; blk++) {
            for (int l = 0; l < 32; l++) b.put((byte) (l * 37));      // hmask
            for (int k = 0; k < 64; k++) b.put((byte) (k * 11 + 3));  // qs
            b.put(packQ3Scales(s));
            b.putShort(blk == 0 ? ONE : TWO);
        }
        float[] y = Dequant.toFloat(GgmlType.Q3_K, b.flip(), 512);
        for (int e = 0; e < 256; e++) {
            int half = e / 128, group = (e % 128) / 32, l = e % 32;
            int low = (((32 * half + l) * 11 + 3) & 0xFF) >>> (2 * group) & 3;
            int high = ((l * 37) & 0xFF) >>> (4 * half + group) & 1;
            int q = low - (high == 1 ? 0 : 4);
            float expect = (s[e / 16] - 32) * q;
            assertEquals(expect, y[e], 0f, "element " + e); // 0 == -0
            assertEquals(2 * expect, y[256 + e], 0f, "second block, element " + e);
        }
        ByteBuffer sb = ByteBuffer.wrap(packQ3Scales(s));
        for (int i = 0; i < 16; i++) assertEquals(s[i], Dequant.q3Scale(sb, 0, i));
    }

    /** packs eight 6-bit scales and mins of Q4_K/Q5_K into 12 bytes */
    private static byte[] packKScales(int[] sc, int[] mn) {
        byte[] p = new byte[12];
        for (int j = 0; j < 4; j++) {
            p[j] = (byte) (sc[j] | ((sc[j + 4] >> 4) << 6));
            p[j + 4] = (byte) (mn[j] | ((mn[j + 4] >> 4) << 6));
            p[j + 8] = (byte) ((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
        }
        return p;
    }

    private static final int[] K_SC = {5, 12, 19, 26, 33, 40, 47, 63};
    private static final int[] K_MN = {60, 57, 1, 51, 48, 17, 42, 0};

    @Test
    void q4_K() {
        ByteBuffer b = blocks(GgmlType.Q4_K, 2);
        for (int blk = 0; blk < 2; blk++) {
            b.putShort(blk == 0 ? HALF : ONE).putShort(blk == 0 ? QUARTER : HALF);
            b.put(packKScales(K_SC, K_MN));
            for (int k = 0; k < 128; k++) b.put((byte) (k * 13 + 7));
        }
        float[] y = Dequant.toFloat(GgmlType.Q4_K, b.flip(), 512);
        for (int e = 0; e < 256; e++) {
            int chunk = e / 64, nibble = (e % 64) / 32, l = e % 32;
            int byt = ((32 * chunk + l) * 13 + 7) & 0xFF;
            int q = nibble == 0 ? byt & 0xF : byt >>> 4;
            int j = e / 32;
            float expect = 0.5f * K_SC[j] * q - 0.25f * K_MN[j];
            assertEquals(expect, y[e], 0f, "element " + e); // 0 == -0
            assertEquals(2 * expect, y[256 + e], 0f, "second block, element " + e);
        }
    }

    @Test
    void q5_K() {
        ByteBuffer b = blocks(GgmlType.Q5_K, 2);
        for (int blk = 0; blk < 2; blk++) {
            b.putShort(blk == 0 ? HALF : ONE).putShort(blk == 0 ? QUARTER : HALF);
            b.put(packKScales(K_SC, K_MN));
            for (int l = 0; l < 32; l++) b.put((byte) (l * 29 + 1));  // qh
            for (int k = 0; k < 128; k++) b.put((byte) (k * 13 + 7)); // qs
        }
        float[] y = Dequant.toFloat(GgmlType.Q5_K, b.flip(), 512);
        for (int e = 0; e < 256; e++) {
            int chunk = e / 64, nibble = (e % 64) / 32, l = e % 32;
            int byt = ((32 * chunk + l) * 13 + 7) & 0xFF;
            int high = (((l * 29 + 1) & 0xFF) >>> (2 * chunk + nibble)) & 1;
            int q = (nibble == 0 ? byt & 0xF : byt >>> 4) + 16 * high;
            int j = e / 32;
            float expect = 0.5f * K_SC[j] * q - 0.25f * K_MN[j];
            assertEquals(expect, y[e], 0f, "element " + e); // 0 == -0
            assertEquals(2 * expect, y[256 + e], 0f, "second block, element " + e);
        }
    }

    @Test
    void q6_K() {
        int[] sc = new int[16];
        for (int i = 0; i < 16; i++) sc[i] = i * 3 - 20;
        ByteBuffer b = blocks(GgmlType.Q6_K, 2);
        for (int blk = 0; blk < 2; blk++) {
            for (int k = 0; k < 128; k++) b.put((byte) (k * 7 + 2));   // ql
            for (int k = 0; k < 64; k++) b.put((byte) (k * 19 + 5));   // qh
            for (int i = 0; i < 16; i++) b.put((byte) sc[i]);
            b.putShort(blk == 0 ? QUARTER : HALF);
        }
        float[] y = Dequant.toFloat(GgmlType.Q6_K, b.flip(), 512);
        for (int e = 0; e < 256; e++) {
            int half = e / 128, quarter = (e % 128) / 32, l = e % 32;
            int lowByte = ((64 * half + l + 32 * (quarter & 1)) * 7 + 2) & 0xFF;
            int low = quarter < 2 ? lowByte & 0xF : lowByte >>> 4;
            int high = ((((32 * half + l) * 19 + 5) & 0xFF) >>> (2 * quarter)) & 3;
            int q = (low | (high << 4)) - 32;
            int s = sc[8 * half + 2 * quarter + l / 16];
            float expect = 0.25f * s * q;
            assertEquals(expect, y[e], 0f, "element " + e); // 0 == -0
            assertEquals(2 * expect, y[256 + e], 0f, "second block, element " + e);
        }
    }

    @Test
    void plainTypes() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(1.5f).putFloat(-2.25f).flip();
        assertArrayEquals(new float[] {1.5f, -2.25f}, Dequant.toFloat(GgmlType.F32, b, 2));
        b.clear();
        b.putShort(ONE).putShort((short) 0xC100).flip(); // 1, -2.5
        assertArrayEquals(new float[] {1f, -2.5f}, Dequant.toFloat(GgmlType.F16, b, 2));
        b.clear();
        b.putShort((short) 0x3F80).putShort((short) 0xC020).flip(); // 1, -2.5
        assertArrayEquals(new float[] {1f, -2.5f}, Dequant.toFloat(GgmlType.BF16, b, 2));
        b.clear();
        b.put((byte) -7).putShort((short) -300).putInt(70000).putLong(-5).putDouble(0.5).flip();
        assertArrayEquals(new float[] {-7}, Dequant.toFloat(GgmlType.I8, b, 1));
        b.position(1);
        assertArrayEquals(new float[] {-300}, Dequant.toFloat(GgmlType.I16, b, 1));
        b.position(3);
        assertArrayEquals(new float[] {70000}, Dequant.toFloat(GgmlType.I32, b, 1));
        b.position(7);
        assertArrayEquals(new float[] {-5}, Dequant.toFloat(GgmlType.I64, b, 1));
        b.position(15);
        assertArrayEquals(new float[] {0.5f}, Dequant.toFloat(GgmlType.F64, b, 1));
        assertEquals(15, b.position(), "the position is left alone");
    }

    @Test
    void argumentsAreChecked() {
        ByteBuffer b = ByteBuffer.allocate(18);
        assertThrows(IllegalArgumentException.class, () -> Dequant.toFloat(GgmlType.Q4_0, b, 16));
        assertThrows(IllegalArgumentException.class, () -> Dequant.toFloat(GgmlType.Q4_0, b, 64));
        assertThrows(IllegalArgumentException.class, () -> Dequant.toFloat(GgmlType.IQ2_XXS, ByteBuffer.allocate(66), 256));
        assertFalse(Dequant.supports(GgmlType.IQ4_NL));
        assertTrue(Dequant.supports(GgmlType.Q6_K));
    }

    @Test
    void f16KnownValues() {
        assertEquals(1f, Dequant.f16ToFloat(ONE));
        assertEquals(-2f, Dequant.f16ToFloat((short) 0xC000));
        assertEquals(65504f, Dequant.f16ToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Dequant.f16ToFloat((short) 0x0001));
        assertEquals(0x1p-14f, Dequant.f16ToFloat((short) 0x0400));
        assertEquals(0x3FFp-24f, Dequant.f16ToFloat((short) 0x03FF));
        assertEquals(Float.POSITIVE_INFINITY, Dequant.f16ToFloat((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, Dequant.f16ToFloat((short) 0xFC00));
        assertTrue(Float.isNaN(Dequant.f16ToFloat((short) 0x7E00)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(Dequant.f16ToFloat((short) 0x8000)));

        assertEquals(ONE, Dequant.floatToF16(1f));
        assertEquals(ONE, Dequant.floatToF16(1f + 0x1p-11f), "tie rounds to even (down)");
        assertEquals((short) 0x3C02, Dequant.floatToF16(1f + 3 * 0x1p-11f), "tie rounds to even (up)");
        assertEquals((short) 0x3C01, Dequant.floatToF16(1f + 0x1p-11f + 0x1p-20f), "above the tie rounds up");
        assertEquals((short) 0x7BFF, Dequant.floatToF16(65519f));
        assertEquals((short) 0x7C00, Dequant.floatToF16(65520f), "rounds up to infinity");
        assertEquals((short) 0xFC00, Dequant.floatToF16(-1e10f));
        assertEquals((short) 0x0000, Dequant.floatToF16(0x1p-25f), "half of the smallest subnormal ties to zero");
        assertEquals((short) 0x0001, Dequant.floatToF16(0x1.8p-25f));
        assertEquals((short) 0x0002, Dequant.floatToF16(0x3p-25f), "subnormal tie to even");
        assertEquals((short) 0x0400, Dequant.floatToF16(0x1.FFFp-15f), "rounds up into the normals");
        assertEquals((short) 0x8000, Dequant.floatToF16(-1e-30f));
        assertTrue(Float.isNaN(Dequant.f16ToFloat(Dequant.floatToF16(Float.NaN))));
    }

    @Test
    void f16RoundTripIsExactForEveryHalf() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Dequant.f16ToFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Dequant.f16ToFloat(Dequant.floatToF16(f))));
            } else {
                assertEquals((short) h, Dequant.floatToF16(f), Integer.toHexString(h));
            }
        }
    }

    /** for random floats the result is the nearest half, ties to even (checked by search) */
    @Test
    void f16RoundsToNearestEven() {
        Random rnd = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(f) || Math.abs(f) >= 65520f) continue;
            short h = Dequant.floatToF16(f);
            assertEquals(nearestHalf(Math.abs(f)), h & 0x7FFF, "f=" + f);
            if (f != 0) assertEquals(f < 0, (h & 0x8000) != 0);
        }
    }

    /** bits of the nearest non-negative half by binary search over the ordered finite halves */
    private static int nearestHalf(float a) {
        int lo = 0, hi = 0x7BFF; // largest h with value <= a
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (Dequant.f16ToFloat((short) mid) <= a) lo = mid; else hi = mid - 1;
        }
        if (lo == 0x7BFF) return lo;
        double below = a - (double) Dequant.f16ToFloat((short) lo);
        double above = (double) Dequant.f16ToFloat((short) (lo + 1)) - a;
        if (below < above) return lo;
        if (above < below) return lo + 1;
        return (lo & 1) == 0 ? lo : lo + 1;
    }

    @Test
    void bf16() {
        assertEquals(1f, Dequant.bf16ToFloat((short) 0x3F80));
        assertEquals((short) 0x3F80, Dequant.floatToBf16(1f + 0x1p-8f), "tie to even (down)");
        assertEquals((short) 0x3F82, Dequant.floatToBf16(1f + 3 * 0x1p-8f), "tie to even (up)");
        assertEquals((short) 0x3F81, Dequant.floatToBf16(1f + 0x1p-8f + 0x1p-20f));
        assertTrue(Float.isNaN(Dequant.bf16ToFloat(Dequant.floatToBf16(Float.NaN))));
        assertTrue(Float.isNaN(Dequant.bf16ToFloat(Dequant.floatToBf16(Float.intBitsToFloat(0x7F800001)))), "NaN payload below bit 16 stays NaN");
        assertEquals(Float.POSITIVE_INFINITY, Dequant.bf16ToFloat(Dequant.floatToBf16(Float.MAX_VALUE)));
        for (int h = 0; h < 0x10000; h++) {
            float f = Dequant.bf16ToFloat((short) h);
            if (!Float.isNaN(f)) assertEquals((short) h, Dequant.floatToBf16(f));
        }
        Random rnd = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(f) || Float.isInfinite(f)) continue;
            float r = Dequant.bf16ToFloat(Dequant.floatToBf16(f));
            double err = Math.abs((double) r - f);
            double ulp = Math.ulp(f) * 65536; // spacing of bf16 values near f
            assertTrue(Float.isInfinite(r) || err <= ulp / 2, "f=" + f + " r=" + r);
        }
    }
}
