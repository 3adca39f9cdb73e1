package dev.lowbit.quant.method;

import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.CblasUpper;
import static org.bytedeco.openblas.global.openblas.cblas_ssyrk;

import dev.lowbit.model.ModelWeights;
import dev.lowbit.model.Segment;
import dev.lowbit.model.Transformer;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.quant.Site;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the calibration windows show at the input sites of one layer: the windows run through
 * layers 0..l of the model as it stands (earlier layers already quantized), and at each site of
 * layer l the inputs are summed into X^T X (BLAS ssyrk: upper triangle, mirrored at the end) and
 * into sum |x| per input channel, with the token count; max |x| per input channel is kept too.
 */
final class InputStatistics {
    private InputStatistics() {}

    private static final class Sums {
        final float[] xtx;
        final double[] sumAbs;
        final float[] maxAbs;
        long tokens;

        Sums(int cols) {
            xtx = new float[cols * cols];
            sumAbs = new double[cols];
            maxAbs = new float[cols];
        }
    }

    static Map<Site, LayerMethod.SiteStats> of(ModelWeights model, KvCache kv, List<int[]> windows, int longest, int l) {
        Map<Site, Sums> sums = new EnumMap<>(Site.class);
        try (Transformer t = new Transformer(model, kv, longest, 1)) {
            t.setLayerLimit(l + 1);
            t.setInputObserver((layer, site, x, ntok, cols) -> {
                if (layer != l) return;
                Sums s = sums.computeIfAbsent(site, k -> new Sums(cols));
                float[] a = new float[ntok * cols];
                x.get(a);
                cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, ntok, 1f, a, cols, 1f, s.xtx, cols);
                for (int i = 0; i < ntok; i++)
                    for (int c = 0; c < cols; c++) {
                        float v = Math.abs(a[i * cols + c]);
                        s.sumAbs[c] += v;
                        if (v > s.maxAbs[c]) s.maxAbs[c] = v;
                    }
                s.tokens += ntok;
            });
            for (int[] w : windows) {
                try (Sequence seq = kv.newSequence()) {
                    if (!kv.reserve(seq, w.length)) throw new IllegalStateException("calibration KV cache too small");
                    t.forward(List.of(new Segment(seq, w, false)));
                }
            }
        }
        Map<Site, LayerMethod.SiteStats> out = new EnumMap<>(Site.class);
        sums.forEach((site, s) -> {
            float[] h = s.xtx;
            int n = s.sumAbs.length;
            for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) h[i * n + j] = h[j * n + i];
            out.put(site, new LayerMethod.SiteStats(h, s.sumAbs, s.maxAbs, s.tokens));
        });
        return out;
    }
}
