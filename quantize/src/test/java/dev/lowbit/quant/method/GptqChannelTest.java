package dev.lowbit.quant.method;

import static dev.lowbit.quant.method.GptqTest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.PackedMatrix;
import org.junit.jupiter.api.Test;

/**
 * GPTQ onto the per-channel symmetric formats (I8CH for W8A8, I4CH and I4CHA for W4A4): the whole row is one
 * group whose scale comes from the --w_clip search before any column is rounded. Same layer problem
 * as {@link GptqTest}.
 */
class GptqChannelTest {
    @Test
    void equalsTheStraightforwardReference() {
        for (Format f : new Format[] {Format.I4CH, Format.I8CH}) {
            for (Gptq.Settings s : new Gptq.Settings[] {Gptq.Settings.study(), noActOrder()}) {
                Gptq.Result got = Gptq.quantize(W, ROWS, COLS, H, f, COLS, s);
                int q = f.bits == 4 ? 7 : 127;
                float[] scale = referenceScales(q, s);
                assertArrayEquals(scale, got.scale(), 0f, f + ": same row scales");
                for (float z : got.zero()) assertEquals(q, z, f + ": symmetric codes -q..q stored around q");
                double[] ref = referenceGptq(q, scale, s);
                int same = 0;
                for (int i = 0; i < W.length; i++)
                    if (Math.rint(got.weights()[i] / scale[i / COLS]) == Math.rint(ref[i] / scale[i / COLS])) same++;
                double agree = same / (double) W.length, ratio = objective(got.weights()) / objective(ref);
                System.out.printf("per-channel GPTQ vs reference, %s act-order %s: codes agree %.2f%%, objective ratio %.5f%n",
                        f, s.actOrder(), 100 * agree, ratio);
                assertTrue(agree >= 0.99, f + ": codes agree on " + agree);
                assertEquals(1, ratio, 0.01, f + ": objective vs the reference's");
            }
        }
    }

    @Test
    void clippingSearchShrinksSomeRowsAndGridZeroIsRtn() {
        Gptq.Settings s = Gptq.Settings.study();
        Gptq.Result r = Gptq.quantize(W, ROWS, COLS, H, Format.I4CH, COLS, s);
        Gptq.Result plain = Gptq.quantize(W, ROWS, COLS, H, Format.I4CH, COLS, new Gptq.Settings(true, s.damp(), s.blockSize(), 0, s.maxShrink(), s.clipNorm()));
        int shrunk = 0;
        for (int row = 0; row < ROWS; row++) {
            float amax = 0;
            for (int c = 0; c < COLS; c++) amax = Math.max(amax, c == DEAD ? 0 : Math.abs(W[row * COLS + c]));
            assertEquals(amax / 7, plain.scale()[row], 0f, "without a grid the RTN scale max|w|/7");
            if (r.scale()[row] < plain.scale()[row]) shrunk++;
        }
        assertTrue(shrunk > ROWS / 2, "4-bit rows of Gaussian weights gain from clipping: " + shrunk + " of " + ROWS);
    }

    @Test
    void beatsRoundToNearestAndPacksExactly() {
        for (Format f : new Format[] {Format.I4CH, Format.I8CH, Format.I4CHA}) {  // I4CHA: I4CH's weight rows
            Gptq.Result r = Gptq.quantize(W, ROWS, COLS, H, f, COLS, Gptq.Settings.study());
            PackedMatrix p = MatrixMethods.packChannels(f, ROWS, COLS, r.weights(), r.scale());
            assertArrayEquals(r.weights(), dequantize(f, p.data()), 0f, f + ": the packed rows dequantize to GPTQ's weights");
            double gptq = objective(r.weights()), rtn = objective(rtnChannels(f));
            System.out.printf("per-channel GPTQ / RTN objective, %s: %.4f%n", f, gptq / rtn);
            assertTrue(gptq <= 0.7 * rtn, f + ": GPTQ " + gptq + " vs RTN " + rtn);
        }
        assertThrows(IllegalArgumentException.class, () -> Gptq.quantize(W, ROWS, COLS, H, Format.I4CH, GROUP, Gptq.Settings.study()),
                "a per-channel format has one group per row");
    }

    /** per row: the first p = 1 - i/grid (i < maxShrink*grid) whose symmetric grid p*max|w|/q has the least sum |err|^norm */
    static float[] referenceScales(int q, Gptq.Settings s) {
        float[] scale = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            float amax = 0;
            for (int c = 0; c < COLS; c++) if (c != DEAD) amax = Math.max(amax, Math.abs(W[r * COLS + c]));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < (int) (s.maxShrink() * s.clipGrid()); i++) {
                float sc = (1f - (float) i / s.clipGrid()) * amax / q;
                double err = 0;
                for (int c = 0; c < COLS; c++) {
                    float w = c == DEAD ? 0 : W[r * COLS + c];
                    err += Math.pow(Math.abs(sc * (float) Math.max(-q, Math.min(q, Math.rint(w / sc))) - w), s.clipNorm());
                }
                if (err < best) {
                    best = err;
                    scale[r] = sc;
                }
            }
        }
        return scale;
    }

    /** GPTQ as first published (GptqTest.published), onto the given symmetric row grids */
    static double[] referenceGptq(int q, float[] scale, Gptq.Settings s) {
        return published(s, (x, r, c) -> scale[r] * Math.max(-q, Math.min(q, Math.rint(x / scale[r]))));
    }

    static float[] dequantize(Format f, byte[] data) {
        float[] out = new float[W.length];
        try (NativeBuffer p = new NativeBuffer(data.length); NativeBuffer back = NativeBuffer.floats(W.length)) {
            p.byteView(0, data.length).put(data);
            Native.check(LowbitNative.lb_dequantize(f.id, 0, p.address(), back.address(), ROWS, COLS), "dequantize");
            back.floatView(0, W.length).get(out);
        }
        return out;
    }

    /** the loader's RTN: lb_quantize's per-row max|w|/q scale, then back */
    static float[] rtnChannels(Format f) {
        byte[] b = new byte[Math.toIntExact(f.matrixBytes(0, COLS, ROWS))];
        try (NativeBuffer src = NativeBuffer.floats(W.length); NativeBuffer p = new NativeBuffer(b.length)) {
            src.floatView(0, W.length).put(W);
            Native.check(LowbitNative.lb_quantize(f.id, 0, src.address(), p.address(), ROWS, COLS), "quantize");
            p.byteView(0, b.length).get(b);
        }
        return dequantize(f, b);
    }
}
