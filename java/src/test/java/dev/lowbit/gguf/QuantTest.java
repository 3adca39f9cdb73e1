package dev.lowbit.gguf;

import static dev.lowbit.gguf.GgufTestSupport.gaussian;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Reference quantizers: exact cases, ggml's layout, and error bounds through Dequant. */
class QuantTest {
    private static final int ROWS = 8, COLS = 512;

    private static float[] roundTrip(GgmlType t, float[] x, int rows, int cols) {
        ByteBuffer q = Quant.fromFloat(t, x, rows, cols);
        assertEquals(rows * t.rowBytes(cols), q.remaining());
        assertEquals(ByteOrder.LITTLE_ENDIAN, q.order());
        return Dequant.toFloat(t, q, (long) rows * cols);
    }

    /** max over each block of |x| */
    private static float blockAbsMax(float[] x, int i) {
        int start = i / 32 * 32;
        float m = 0;
        for (int j = start; j < start + 32; j++) m = Math.max(m, Math.abs(x[j]));
        return m;
    }

    private static float blockRange(float[] x, int i) {
        int start = i / 32 * 32;
        float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
        for (int j = start; j < start + 32; j++) {
            lo = Math.min(lo, x[j]);
            hi = Math.max(hi, x[j]);
        }
        return hi - lo;
    }

    @Test
    void q8_0ErrorBound() {
        float[] x = gaussian(new Random(1), ROWS * COLS, 0.02f);
        float[] y = roundTrip(GgmlType.Q8_0, x, ROWS, COLS);
        double sq = 0;
        for (int i = 0; i < x.length; i++) {
            float d = blockAbsMax(x, i) / 127;
            // half a step, plus the f16 rounding of d (relative 2^-11) times |q| <= 127
            assertTrue(Math.abs(y[i] - x[i]) <= d * 0.5f + 127 * d * 0x1p-11f + 1e-9f, "element " + i);
            sq += (y[i] - x[i]) * (double) (y[i] - x[i]);
        }
        assertTrue(Math.sqrt(sq / x.length) < 0.02 / 127 * 2, "rms error " + Math.sqrt(sq / x.length));
    }

    @Test
    void q4_0ErrorBound() {
        float[] x = gaussian(new Random(2), ROWS * COLS, 1f);
        float[] y = roundTrip(GgmlType.Q4_0, x, ROWS, COLS);
        for (int i = 0; i < x.length; i++) {
            float d = blockAbsMax(x, i) / 8;
            // a step at most: +8 is clipped to 7 at the end of the range opposite the max
            assertTrue(Math.abs(y[i] - x[i]) <= d * (1 + 16 * 0x1p-11f) + 1e-6f, "element " + i + ": " + x[i] + " -> " + y[i]);
        }
    }

    @Test
    void q4_1ErrorBound() {
        float[] x = gaussian(new Random(3), ROWS * COLS, 1f);
        for (int i = 0; i < x.length; i++) x[i] += 0.5f; // not centred: the offset matters
        float[] y = roundTrip(GgmlType.Q4_1, x, ROWS, COLS);
        for (int i = 0; i < x.length; i++) {
            float d = blockRange(x, i) / 15;
            float bound = d * 0.5f + 15 * d * 0x1p-11f + Math.abs(x[i]) * 0x1p-10f + 4 * 0x1p-11f + 1e-6f;
            assertTrue(Math.abs(y[i] - x[i]) <= bound, "element " + i);
        }
    }

    @Test
    void q5ErrorBounds() {
        float[] x = gaussian(new Random(4), ROWS * COLS, 1f);
        float[] y0 = roundTrip(GgmlType.Q5_0, x, ROWS, COLS);
        float[] y1 = roundTrip(GgmlType.Q5_1, x, ROWS, COLS);
        for (int i = 0; i < x.length; i++) {
            float d0 = blockAbsMax(x, i) / 16;
            assertTrue(Math.abs(y0[i] - x[i]) <= d0 * (1 + 32 * 0x1p-11f) + 1e-6f, "Q5_0 element " + i);
            float d1 = blockRange(x, i) / 31;
            assertTrue(Math.abs(y1[i] - x[i]) <= d1 * 0.5f + 31 * d1 * 0x1p-11f + 4 * 0x1p-11f + 1e-6f, "Q5_1 element " + i);
        }
    }

    @Test
    void floatFormats() {
        float[] x = gaussian(new Random(5), 4 * 64, 3f);
        assertArrayEquals(x, roundTrip(GgmlType.F32, x, 4, 64));
        float[] h = roundTrip(GgmlType.F16, x, 4, 64);
        float[] b = roundTrip(GgmlType.BF16, x, 4, 64);
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], h[i], Math.abs(x[i]) * 0x1p-11f + 0x1p-25f);
            assertEquals(x[i], b[i], Math.abs(x[i]) * 0x1p-8f);
        }
    }

    @Test
    void representableBlocksAreExact() {
        float[] sym = new float[32];
        for (int j = 0; j < 32; j++) sym[j] = ((j % 16) - 8) * 0.25f; // -2 is the max magnitude: d = 0.25
        assertArrayEquals(sym, roundTrip(GgmlType.Q4_0, sym, 1, 32));
        float[] ints = new float[32];
        for (int j = 0; j < 32; j++) ints[j] = j * 8 - 127; // amax 127: d = 1
        assertArrayEquals(ints, roundTrip(GgmlType.Q8_0, ints, 1, 32));
        float[] asym = new float[32];
        for (int j = 0; j < 32; j++) asym[j] = 1 + (j % 16) * 0.5f; // min 1, step 0.5
        assertArrayEquals(asym, roundTrip(GgmlType.Q4_1, asym, 1, 32));
    }

    @Test
    void ggmlLayoutOfSimpleBlocks() {
        ByteBuffer zero = Quant.fromFloat(GgmlType.Q4_0, new float[32], 1, 32);
        assertEquals((short) 0x8000, zero.getShort(0), "d = 0 / -8 is -0 in ggml too");
        for (int j = 2; j < 18; j++) assertEquals((byte) 0x88, zero.get(j), "zero block is all eights");
        float[] x = new float[32];
        x[0] = -4f;  // the largest magnitude, negative: d = -4 / -8 = 0.5 and x[0] -> 0
        x[17] = 3.5f;
        ByteBuffer q = Quant.fromFloat(GgmlType.Q4_0, x, 1, 32);
        assertEquals(Dequant.floatToF16(0.5f), q.getShort(0));
        assertEquals(0x80 | 0x0, q.get(2) & 0xFF, "x[0] -> 0 in the low nibble, x[16] = 0 -> 8 in the high");
        assertEquals((15 << 4) | 8, q.get(3) & 0xFF, "x[17] = 3.5 -> 15 (clipped from 15.5)");

        float[] y = new float[32];
        y[5] = 127f;
        y[6] = -63.5f;
        ByteBuffer q8 = Quant.fromFloat(GgmlType.Q8_0, y, 1, 32);
        assertEquals(Dequant.floatToF16(1f), q8.getShort(0));
        assertEquals(127, q8.get(2 + 5));
        assertEquals(-64, q8.get(2 + 6), "-63.5 rounds away from zero like C roundf");
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Quant.fromFloat(GgmlType.Q4_K, new float[256], 1, 256));
        assertThrows(IllegalArgumentException.class, () -> Quant.fromFloat(GgmlType.Q8_0, new float[48], 1, 48));
        assertThrows(IllegalArgumentException.class, () -> Quant.fromFloat(GgmlType.Q8_0, new float[64], 1, 32));
        assertThrows(IllegalArgumentException.class, () -> Quant.fromFloat(GgmlType.F32, new float[4], 0, 4));
    }
}
