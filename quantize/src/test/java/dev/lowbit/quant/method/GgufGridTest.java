package dev.lowbit.quant.method;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.gguf.Dequant;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.Quant;
import dev.lowbit.quant.Format;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** GPTQ and RTN onto the block grids of llama.cpp's own types (Q4_0, Q4_1, Q8_0) */
class GgufGridTest {
    static final int ROWS = GptqTest.ROWS, COLS = GptqTest.COLS;
    static final Format[] TYPES = {Format.Q4_0, Format.Q4_1, Format.Q8_0};

    @Test
    void rtnIsTheGgmlReferenceQuantizerBitForBit() throws Exception {
        for (Format f : TYPES) {
            byte[] ours = MatrixMethods.pack(f, 0, ROWS, COLS, COLS, GptqTest.W, null, null).data();
            ByteBuffer ref = Quant.fromFloat(GgmlType.fromId(f.id), GptqTest.W, ROWS, COLS);
            byte[] want = new byte[ref.remaining()];
            ref.get(want);
            assertArrayEquals(want, ours, f + ": RTN writes llama.cpp's reference blocks");
        }
    }

    @Test
    void gptqWeightsAreExactlyWhatThePackedBlocksHoldAndBeatRtn() throws Exception {
        for (Format f : TYPES) {
            for (Gptq.Settings s : new Gptq.Settings[] {Gptq.Settings.study(), new Gptq.Settings(false, 0.01, 128, 0, 0.8f, 2.4f)}) {
                Gptq.GgufResult r = Gptq.quantizeGguf(GptqTest.W, ROWS, COLS, GptqTest.H, f, s);
                byte[] packed = r.grid().pack(r.weights());
                assertEquals(GgmlType.fromId(f.id).rowBytes(COLS) * ROWS, packed.length);
                float[] back = Dequant.toFloat(GgmlType.fromId(f.id), ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN), (long) ROWS * COLS);
                assertArrayEquals(r.weights(), back, 0f, f + ": the file holds GPTQ's weights exactly");
                // the dead input's weights are zero, as GPTQ leaves them (Q4_1's grid x = d*q + m need not hold 0)
                if (f != Format.Q4_1)
                    for (int row = 0; row < ROWS; row++) assertEquals(0f, r.weights()[row * COLS + GptqTest.DEAD], 0f);

                ByteBuffer rtn = Quant.fromFloat(GgmlType.fromId(f.id), GptqTest.W, ROWS, COLS);
                float[] rtnW = Dequant.toFloat(GgmlType.fromId(f.id), rtn, (long) ROWS * COLS);
                double eg = outputError(r.weights()), er = outputError(rtnW);
                System.out.printf("%s act_order=%b clip=%d: output error GPTQ %.4g vs RTN %.4g%n", f, s.actOrder(), s.clipGrid(), eg, er);
                assertTrue(eg < 0.8 * er, f + ": GPTQ's output error " + eg + " is not well below RTN's " + er);
            }
        }
    }

    @Test
    void blocksThatDoNotFitAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gptq.quantizeGguf(new float[48], 1, 48, new float[48 * 48], Format.Q4_0, Gptq.Settings.study()));
        assertTrue(e.getMessage().contains("blocks of 32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Gptq.quantizeGguf(GptqTest.W, ROWS, COLS, GptqTest.H, Format.Q4_K, Gptq.Settings.study()));
    }

    /** sum over rows of (w - q) H (w - q)^T: the squared output error on the calibration inputs */
    static double outputError(float[] q) {
        double total = 0;
        for (int r = 0; r < ROWS; r++) {
            double[] e = new double[COLS];
            for (int c = 0; c < COLS; c++) e[c] = GptqTest.W[r * COLS + c] - q[r * COLS + c];
            for (int i = 0; i < COLS; i++) {
                if (e[i] == 0) continue;
                double s = 0;
                for (int j = 0; j < COLS; j++) s += GptqTest.H[i * COLS + j] * e[j];
                total += e[i] * s;
            }
        }
        return total;
    }
}
