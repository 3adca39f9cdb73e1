package dev.lowbit.model;

import dev.lowbit.core.NativeBuffer;

/** The tensors of one transformer block. Biases and QK-norm weights are null when absent. */
public record LayerWeights(NativeBuffer attnNorm, Linear wq, Linear wk, Linear wv, Linear wo,
                           NativeBuffer bq, NativeBuffer bk, NativeBuffer bv,
                           NativeBuffer qNorm, NativeBuffer kNorm,
                           NativeBuffer ffnNorm, Linear gate, Linear up, Linear down) implements AutoCloseable {

    public Linear[] linears() {
        return new Linear[] {wq, wk, wv, wo, gate, up, down};
    }

    @Override
    public void close() {
        for (Linear l : linears()) l.close();
        for (NativeBuffer b : new NativeBuffer[] {attnNorm, bq, bk, bv, qNorm, kNorm, ffnNorm})
            if (b != null) b.close();
    }
}
