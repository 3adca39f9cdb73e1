package dev.lowbit.quant.method;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.gguf.Dequant;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.Quant;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.NativeTypeGguf;
import dev.lowbit.quant.PackedMatrix;
import dev.lowbit.quant.Replacements;
import dev.lowbit.quant.Site;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GPTQ and RTN onto the block grids of llama.cpp's own types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K), and llama-quantize's fallback types */
class GgufGridTest {
    static final int ROWS = GptqTest.ROWS, COLS = GptqTest.COLS;
    static final Format[] TYPES = {Format.Q4_0, Format.Q4_1, Format.Q5_0, Format.Q5_1, Format.Q8_0};
    static final Format[] CALIBRATED = {Format.Q4_0, Format.Q4_1, Format.Q5_0, Format.Q5_1, Format.Q8_0, Format.Q4_K};

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

    /** Q4_K has no Java reference quantizer: RTN is the project's native one, and the grid read back from it is exactly its own */
    @Test
    void q4kRtnIsTheProjectsQuantizerAndTheGridWithoutSearchIsItsGrid() throws Exception {
        byte[] ours = MatrixMethods.pack(Format.Q4_K, 0, ROWS, COLS, COLS, GptqTest.W, null, null).data();
        byte[] want = new byte[ours.length];
        try (NativeBuffer src = MatrixMethods.floats(GptqTest.W); NativeBuffer dst = new NativeBuffer(want.length)) {
            Native.check(LowbitNative.lb_quantize(Format.Q4_K.id, 0, src.address(), dst.address(), ROWS, COLS), "quantize");
            dst.byteView(0, want.length).get(want);
        }
        assertArrayEquals(want, ours, "RTN q4_k writes the project's Q4_K blocks");
        Replacements r = MatrixMethods.rtnGguf(Format.Q4_K).quantize(layerOf(GptqTest.W, ROWS, COLS));
        assertArrayEquals(want, r.packed().get("blk.0.ffn_up.weight").data(), "the CLI's RTN method writes them too");

        GgufGrid g = GgufGrid.of(Format.Q4_K, GptqTest.W, ROWS, COLS, 0, 0.8f, 2.4f);
        float[] onGrid = new float[ROWS * COLS];
        for (int i = 0; i < onGrid.length; i++) onGrid[i] = g.round(GptqTest.W[i], i / COLS, i % COLS / GgufGrid.BLOCK);
        assertArrayEquals(want, g.pack(onGrid), "rounding onto the unsearched grid reproduces the quantizer's codes");
        float[] back = Dequant.toFloat(GgmlType.Q4_K, ByteBuffer.wrap(want).order(ByteOrder.LITTLE_ENDIAN), (long) ROWS * COLS);
        assertArrayEquals(back, onGrid, 0f, "and its values are the dequantizer's");
    }

    /** a layer whose seven linears all hold w [rows][cols] (named as a model's), no calibration */
    private static LayerMethod.Layer layerOf(float[] w, int rows, int cols) {
        java.util.List<LayerMethod.Matrix> ms = new java.util.ArrayList<>();
        for (String n : new String[] {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"})
            ms.add(new LayerMethod.Matrix("blk.0." + n + ".weight", Site.values()[0], w, rows, cols));
        return new LayerMethod.Layer(0, null, ms, null, null, null, java.util.Map.of());
    }

    @Test
    void gptqWeightsAreExactlyWhatThePackedBlocksHoldAndBeatRtn() throws Exception {
        for (Format f : CALIBRATED) {
            for (Gptq.Settings s : new Gptq.Settings[] {Gptq.Settings.study(), new Gptq.Settings(false, 0.01, 128, 0, 0.8f, 2.4f)}) {
                Gptq.GgufResult r = Gptq.quantizeGguf(GptqTest.W, ROWS, COLS, GptqTest.H, f, s);
                byte[] packed = r.grid().pack(r.weights());
                assertEquals(GgmlType.fromId(f.id).rowBytes(COLS) * ROWS, packed.length);
                float[] back = Dequant.toFloat(GgmlType.fromId(f.id), ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN), (long) ROWS * COLS);
                assertArrayEquals(r.weights(), back, 0f, f + ": the file holds GPTQ's weights exactly");
                // the dead input's weights are zero, as GPTQ leaves them (Q4_1's grid x = d*q + m need not hold 0)
                if (f != Format.Q4_1 && f != Format.Q5_1 && f != Format.Q4_K)
                    for (int row = 0; row < ROWS; row++) assertEquals(0f, r.weights()[row * COLS + GptqTest.DEAD], 0f);

                ByteBuffer rtn = f == Format.Q4_K
                        ? ByteBuffer.wrap(MatrixMethods.pack(f, 0, ROWS, COLS, COLS, GptqTest.W, null, null).data()).order(ByteOrder.LITTLE_ENDIAN)
                        : Quant.fromFloat(GgmlType.fromId(f.id), GptqTest.W, ROWS, COLS);
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
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> Gptq.quantizeGguf(new float[2 * 96], 2, 96, new float[96 * 96], Format.Q4_K, Gptq.Settings.study()));
        assertTrue(k.getMessage().contains("blocks of 256"), k.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> MatrixMethods.rtnGguf(Format.Q4_K).quantize(layerOf(new float[2 * 48], 2, 48)));
        assertEquals("blk.0.attn_q.weight has 48 inputs, not a whole number of Q4_K blocks of 256 nor of its fallback Q5_0's 32", m.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> MatrixMethods.rtnGguf(Format.Q8_0).quantize(layerOf(new float[2 * 48], 2, 48)));
        assertEquals("blk.0.attn_q.weight has 48 inputs, not a whole number of Q8_0 blocks of 32", n.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Gptq.quantizeGguf(GptqTest.W, ROWS, COLS, GptqTest.H, Format.Q6_K, Gptq.Settings.study()));
    }

    /**
     * Rows the K-quant blocks do not fit take llama-quantize's fallback type, RTN and GPTQ alike: the fallback's own
     * reference blocks (RTN), GPTQ weights the file holds exactly (GPTQ); rows they fit keep the K-quant
     */
    @Test
    void kQuantRowsThatDoNotFitFallBackAsLlamaQuantizeDoes() throws Exception {
        // the first 96 inputs of the GPTQ test problem: 3 blocks of 32, no whole super-block of 256
        int cols = 96;
        float[] w = new float[ROWS * cols], h = new float[cols * cols];
        for (int r = 0; r < ROWS; r++) System.arraycopy(GptqTest.W, r * COLS, w, r * cols, cols);
        for (int i = 0; i < cols; i++) System.arraycopy(GptqTest.H, i * COLS, h, i * cols, cols);
        Format[][] fallbacks = {{Format.Q2_K, Format.Q4_0}, {Format.Q3_K, Format.Q4_0}, {Format.Q4_K, Format.Q5_0}, {Format.Q5_K, Format.Q5_1},
                {Format.Q6_K, Format.Q8_0}};
        for (Format[] fb : fallbacks) {
            assertEquals(fb[1], NativeTypeGguf.typeFor(fb[0], cols, "m"), fb[0] + " on " + cols + " inputs");
            assertEquals(fb[0], NativeTypeGguf.typeFor(fb[0], COLS, "m"), fb[0] + " on " + COLS + " inputs keeps its type");
            PackedMatrix got = MatrixMethods.rtnGguf(fb[0]).quantize(layerOf(w, ROWS, cols)).packed().get("blk.0.ffn_up.weight");
            assertEquals(fb[1], got.format());
            ByteBuffer ref = Quant.fromFloat(GgmlType.fromId(fb[1].id), w, ROWS, cols);
            byte[] want = new byte[ref.remaining()];
            ref.get(want);
            assertArrayEquals(want, got.data(), fb[0] + " falls back to " + fb[1] + "'s reference blocks");
        }
        Gptq.GgufResult g = Gptq.quantizeGguf(w, ROWS, cols, h, Format.Q5_0, Gptq.Settings.study());
        LayerMethod.Layer plain = layerOf(w, ROWS, cols);
        Map<Site, LayerMethod.SiteStats> stats = new EnumMap<>(Site.class);
        for (Site site : Site.values()) stats.put(site, new LayerMethod.SiteStats(h, new double[cols], 1));
        PackedMatrix got = MatrixMethods.gptqGguf(Format.Q4_K, Gptq.Settings.study())
                .quantize(new LayerMethod.Layer(0, null, plain.matrices(), null, null, null, stats)).packed().get("blk.0.ffn_up.weight");
        assertEquals(Format.Q5_0, got.format());
        assertArrayEquals(g.grid().pack(g.weights()), got.data(), "GPTQ --format q4_k on these rows is GPTQ onto Q5_0");
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
