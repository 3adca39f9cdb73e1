package dev.lowbit.quant.method;

import dev.lowbit.quant.Site;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.model.Transformer;
import dev.lowbit.quant.Replacements;
import java.util.List;
import java.util.Map;

/**
 * A weight quantization method as {@link LayerwiseQuantizer} calls it: one transformer block at a
 * time, given the block's 16-bit tensors and what the calibration windows showed at each input
 * site. It returns every linear of the block, packed (or as F32 weights), and any F32 vector it
 * changed (a norm weight it folded scales into, v's bias); these replace the block in the running
 * model before the next block is calibrated, and are what the saved file holds.
 */
public interface LayerMethod {
    Replacements quantize(Layer layer);

    /** one linear: weights [rows][cols] row-major (rows = outputs), and the site its input comes from */
    record Matrix(String name, Site site, float[] w, int rows, int cols) {}

    /** a 1-D tensor of the block (norm weight, bias) */
    record Vector(String name, float[] v) {}

    /**
     * What the calibration tokens showed at one input site: X^T X [cols][cols] (row-major, symmetric)
     * and the sum and the maximum of |x| per input channel, over `tokens` tokens.
     */
    record SiteStats(float[] xtx, double[] sumAbs, float[] maxAbs, long tokens) {
        /** without the maxima (a method that needs only X^T X and mean |x|) */
        public SiteStats(float[] xtx, double[] sumAbs, long tokens) {
            this(xtx, sumAbs, null, tokens);
        }

        /** mean |x| per input channel */
        public float[] meanAbs() {
            float[] m = new float[sumAbs.length];
            for (int i = 0; i < m.length; i++) m[i] = tokens == 0 ? 0f : (float) (sumAbs[i] / tokens);
            return m;
        }
    }

    /**
     * One block: its linears in the order q, k, v, o, gate, up, down; its norm weights; v's bias
     * (null when the model has none); the statistics per site (empty for an uncalibrated method).
     */
    record Layer(int index, ModelConfig config, List<Matrix> matrices, Vector attnNorm, Vector ffnNorm, Vector vBias,
                 Map<Site, SiteStats> stats) {
        public Layer {
            if (matrices.size() != 7) throw new IllegalArgumentException("a layer has 7 linears, got " + matrices.size());
        }

        public Matrix q() { return matrices.get(0); }
        public Matrix k() { return matrices.get(1); }
        public Matrix v() { return matrices.get(2); }
        public Matrix o() { return matrices.get(3); }
        public Matrix gate() { return matrices.get(4); }
        public Matrix up() { return matrices.get(5); }
        public Matrix down() { return matrices.get(6); }

        /** the statistics of a site; null without calibration */
        public SiteStats stats(Site s) {
            return stats.get(s);
        }
    }
}
