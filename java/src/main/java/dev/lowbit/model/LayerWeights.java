package dev.lowbit.model;

import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Site;
import java.util.Map;

/**
 * The tensors of one transformer block. Biases and QK-norm weights are null when absent; `transforms` holds the
 * learned input transforms of a FlatQuant-calibrated file by site (empty for any other model).
 */
public record LayerWeights(NativeBuffer attnNorm, Linear wq, Linear wk, Linear wv, Linear wo,
                           NativeBuffer bq, NativeBuffer bk, NativeBuffer bv,
                           NativeBuffer qNorm, NativeBuffer kNorm,
                           NativeBuffer ffnNorm, Linear gate, Linear up, Linear down,
                           Map<Site, LearnedTransform> transforms) implements AutoCloseable {
    public LayerWeights {
        transforms = Map.copyOf(transforms);
    }

    /** the learned transform of the input at a site, or null */
    public LearnedTransform transform(Site site) {
        return transforms.get(site);
    }

    public Linear[] linears() {
        return new Linear[] {wq, wk, wv, wo, gate, up, down};
    }

    @Override
    public void close() {
        for (Linear l : linears()) l.close();
        for (NativeBuffer b : new NativeBuffer[] {attnNorm, bq, bk, bv, qNorm, kNorm, ffnNorm})
            if (b != null) b.close();
        transforms.values().forEach(LearnedTransform::close);
    }
}
