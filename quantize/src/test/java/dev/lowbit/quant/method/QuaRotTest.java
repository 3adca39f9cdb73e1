package dev.lowbit.quant.method;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.quant.Site;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.Replacements;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * QuaRot's pieces: the rotation is orthogonal, folding it into the weights is exact ((W·Hᵀ)(H·x) = W·x),
 * and the statistics GPTQ gets are those of the rotated inputs. The model-level check (the rotated
 * 16-bit model gives the original logits) is dev.lowbit.model.RotationTest; the quantized file runs
 * end to end in JarCommandsTest.
 */
class QuaRotTest {
    @Test
    void theRotationIsOrthogonal() {
        for (int n : new int[] {64, 256, 512, 96}) {  // 96: block-diagonal (blocks of 32)
            float[] eye = new float[n * n];
            for (int i = 0; i < n; i++) eye[i * n + i] = 1;
            float[] h = QuaRot.rotateRows(eye, n, n);  // row i = H e_i: H's columns
            double worst = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int k = 0; k < n; k++) dot += (double) h[i * n + k] * h[j * n + k];
                    worst = Math.max(worst, Math.abs(dot - (i == j ? 1 : 0)));
                }
            assertTrue(worst < 1e-6, n + ": H^T H deviates from I by " + worst);
            assertNotEquals(0f, h[1], n + ": not the identity");
        }
    }

    @Test
    void foldingIsExactAndTheStatisticsAreTheRotatedInputs() {
        int rows = 8, n = 256, tokens = 40;
        Random rnd = new Random(3);
        float[] w = new float[rows * n], x = new float[tokens * n];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * (i % n == 5 ? 30 : 1));  // one outlier channel
        float[] wr = QuaRot.rotateRows(w, rows, n), xr = QuaRot.rotateRows(x, tokens, n);
        double worst = 0;
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < rows; r++) {
                double a = 0, b = 0;
                for (int c = 0; c < n; c++) {
                    a += (double) w[r * n + c] * x[t * n + c];
                    b += (double) wr[r * n + c] * xr[t * n + c];
                }
                worst = Math.max(worst, Math.abs(a - b) / (1 + Math.abs(a)));
            }
        assertTrue(worst < 1e-5, "(W H^T)(H x) vs W x: " + worst);
        float[] h = QuaRot.rotateBothSides(xtx(x, tokens, n), n), direct = xtx(xr, tokens, n);
        double scale = 0, err = 0;
        for (int i = 0; i < n * n; i++) {
            scale = Math.max(scale, Math.abs(direct[i]));
            err = Math.max(err, Math.abs(h[i] - direct[i]));
        }
        assertTrue(err / scale < 1e-5, "H X^T X H^T vs (XH^T)^T(XH^T): " + err / scale);
        double maxX = 0, maxXr = 0;
        for (int i = 0; i < x.length; i++) {
            maxX = Math.max(maxX, Math.abs(x[i]));
            maxXr = Math.max(maxXr, Math.abs(xr[i]));
        }
        assertTrue(maxXr < maxX / 3, "the rotation spreads the outlier channel: max |x| " + maxX + " -> " + maxXr);
    }

    @Test
    void quantizesEveryLinearOntoThePlansRotatedPerChannelFormat() {
        int n = 64, ff = 128;
        Random rnd = new Random(5);
        List<LayerMethod.Matrix> m = new ArrayList<>();
        String[] names = {"q", "k", "v", "o", "gate", "up", "down"};
        Site[] sites = {Site.ATTN_IN, Site.ATTN_IN, Site.ATTN_IN, Site.ATTN_OUT, Site.FFN_IN, Site.FFN_IN, Site.FFN_MID};
        for (int i = 0; i < 7; i++) {
            int rows = i >= 4 && i < 6 ? ff : n, cols = i == 6 ? ff : n;
            float[] w = new float[rows * cols];
            for (int k = 0; k < w.length; k++) w[k] = (float) rnd.nextGaussian();
            m.add(new LayerMethod.Matrix(names[i], sites[i], w, rows, cols));
        }
        Map<Site, LayerMethod.SiteStats> stats = new java.util.EnumMap<>(Site.class);
        for (Site s : Site.values()) {
            int cols = s == Site.FFN_MID ? ff : n, tokens = 300;
            float[] x = new float[tokens * cols];
            for (int k = 0; k < x.length; k++) x[k] = (float) rnd.nextGaussian();
            stats.put(s, new LayerMethod.SiteStats(xtx(x, tokens, cols), new double[cols], tokens));
        }
        LayerMethod.Layer layer = new LayerMethod.Layer(0, null, m, new LayerMethod.Vector("an", new float[n]), new LayerMethod.Vector("fn", new float[n]), null, stats);
        Replacements r = QuaRot.of(QuantPlan.parse("w4a4+kv4-rot-clip0.95"), Gptq.Settings.study()).quantize(layer);
        assertEquals(7, r.packed().size());
        r.packed().values().forEach(p -> assertEquals(Format.I4CH, p.format()));
        assertTrue(r.floats().isEmpty(), "QuaRot changes no norm: the rotation is online");
        assertEquals(Format.I8CH, QuaRot.of(QuantPlan.parse("w8a8+rot"), Gptq.Settings.study()).quantize(layer).packed().get("down").format());
        assertThrows(IllegalArgumentException.class, () -> QuaRot.of(QuantPlan.parse("w8a8kv8"), Gptq.Settings.study()), "not rotated");
        assertThrows(IllegalArgumentException.class, () -> QuaRot.of(QuantPlan.parse("w4a16-g128"), Gptq.Settings.study()));
    }

    static float[] xtx(float[] x, int tokens, int n) {
        float[] h = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int t = 0; t < tokens; t++) s += (double) x[t * n + i] * x[t * n + j];
                h[i * n + j] = (float) s;
            }
        return h;
    }
}
