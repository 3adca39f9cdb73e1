package dev.lowbit.model.kv;

import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import java.util.ArrayDeque;

/**
 * Paged KV cache: per layer one K pool and one V pool of fixed-size blocks
 * (blockSize token slots x nKvHead rows in the KV format). Sequences take blocks as they grow
 * and give them back when freed, so many sequences of different lengths share one budget;
 * when the pool is exhausted {@link #reserve} says no and the scheduler makes the sequence wait.
 */
public final class KvCache implements AutoCloseable {
    /** format of the V pool, and of the K pool unless {@link #kFormat} says otherwise */
    public final Format format;
    /** format of the K pool: {@link #format}, another per-token KV format ("kv-k8v4"), or a static per-channel KVS format (codes only) */
    public final Format kFormat;
    public final int group;
    public final int blockSize;
    public final int nLayer;
    public final int nKvHead;
    public final int headDim;
    public final int numBlocks;
    public final int maxBlocksPerSeq;
    private final long kBlockBytes, vBlockBytes;
    private final NativeBuffer[] k;
    private final NativeBuffer[] v;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    /**
     * The shape of a cache, decided once from the plan and the model: what the constructor allocates and
     * what a loader checks against a memory budget before it allocates anything.
     * @param format          format of the V pool, and of the K pool unless kFormat says otherwise
     * @param kFormat         the K pool's format: `format`, another per-token KV format (kv-k8v4: each pool at its
     *                        own format and row size) or, for static per-channel K, KVS8/KVS4/KVS3
     * @param group           group of the grouped per-token format(s), capped at head_dim (0 when neither is grouped)
     * @param maxTokensPerSeq the longest sequence (context length)
     */
    public record Shape(Format format, Format kFormat, int group, int nLayer, int nKvHead, int headDim, int blockSize, int maxTokensPerSeq) {
        public Shape {
            if (!format.kvCache())
                throw new IllegalArgumentException("not a KV-cache format: " + format);
            if (kFormat != format && !kFormat.staticK() && !kFormat.kvCache())
                throw new IllegalArgumentException("not a K-cache format: " + kFormat);
            group = format.grouped() || kFormat.grouped() && !kFormat.staticK() ? Math.min(group, headDim) : 0;
            if (format.rowBytes(group, headDim) < 0)
                throw new IllegalArgumentException("head_dim " + headDim + " invalid for KV format " + format);
            if (kFormat != format && kFormat.rowBytes(kFormat.staticK() ? 0 : group, headDim) < 0)
                throw new IllegalArgumentException("head_dim " + headDim + " invalid for K format " + kFormat + " (needs a multiple of 8)");
        }

        /** the cache a plan asks for: its KV format and group, and the static-K format of a kvq plan */
        public static Shape of(QuantPlan plan, int nLayer, int nKvHead, int headDim, int blockSize, int maxTokensPerSeq) {
            return new Shape(plan.kv(), plan.kFormat(), plan.kvGroup(), nLayer, nKvHead, headDim, blockSize, maxTokensPerSeq);
        }

        public long vRowBytes() {
            return format.rowBytes(group, headDim);
        }

        /** bytes of one K row: the per-token K format's own size (kv-k8v4), or a static-K row (codes only) */
        public long kRowBytes() {
            return kFormat == format ? vRowBytes() : kFormat.rowBytes(kFormat.staticK() ? 0 : group, headDim);
        }

        public int maxBlocksPerSeq() {
            return (maxTokensPerSeq + blockSize - 1) / blockSize;
        }

        /** bytes of one block (blockSize token slots) of K and V over all layers */
        public long blockBytes() {
            return (kRowBytes() + vRowBytes()) * nKvHead * blockSize * nLayer;
        }

        /** bytes one full-length sequence takes (ArithmeticException past 2^63) */
        public long bytesPerSequence() {
            return Math.multiplyExact((long) maxBlocksPerSeq(), blockBytes());
        }
    }

    /**
     * @param maxTokensPerSeq the longest sequence (context length)
     * @param budgetBytes     memory for all K and V pools together
     */
    public KvCache(Format format, int group, int nLayer, int nKvHead, int headDim, int blockSize, int maxTokensPerSeq,
                   long budgetBytes) {
        this(new Shape(format, format, group, nLayer, nKvHead, headDim, blockSize, maxTokensPerSeq), budgetBytes);
    }

    /** @param budgetBytes memory for all K and V pools together */
    public KvCache(Shape shape, long budgetBytes) {
        this.format = shape.format();
        this.kFormat = shape.kFormat();
        this.group = shape.group();
        this.blockSize = shape.blockSize();
        this.nLayer = shape.nLayer();
        this.nKvHead = shape.nKvHead();
        this.headDim = shape.headDim();
        this.kBlockBytes = shape.kRowBytes() * nKvHead * blockSize;
        this.vBlockBytes = shape.vRowBytes() * nKvHead * blockSize;
        this.maxBlocksPerSeq = shape.maxBlocksPerSeq();
        long perBlockAllLayers = shape.blockBytes();
        long n = budgetBytes / perBlockAllLayers;
        if (n < maxBlocksPerSeq)
            throw new IllegalArgumentException(String.format("KV budget of %.1f MiB cannot hold one sequence of %d tokens (needs %.1f MiB)",
                    budgetBytes / 1048576.0, shape.maxTokensPerSeq(), maxBlocksPerSeq * perBlockAllLayers / 1048576.0));
        this.numBlocks = (int) Math.min(n, Integer.MAX_VALUE / 2);
        this.k = new NativeBuffer[nLayer];
        this.v = new NativeBuffer[nLayer];
        try {
            for (int l = 0; l < nLayer; l++) {
                k[l] = new NativeBuffer(kBlockBytes * numBlocks);
                v[l] = new NativeBuffer(vBlockBytes * numBlocks);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
        for (int b = 0; b < numBlocks; b++) free.add(b);
    }

    /** bytes of the cache one token occupies over all layers (K and V) */
    public long bytesPerToken() {
        return (kBlockBytes + vBlockBytes) / blockSize * nLayer;
    }

    public long kAddress(int layer) {
        return k[layer].address();
    }

    public long vAddress(int layer) {
        return v[layer].address();
    }

    public int freeBlocks() {
        return free.size();
    }

    /** a new empty sequence */
    public Sequence newSequence() {
        return new Sequence(this);
    }

    /** makes room for `length` tokens in the sequence; false (and nothing taken) if the pool cannot */
    public synchronized boolean reserve(Sequence s, int length) {
        if (length > (long) maxBlocksPerSeq * blockSize) return false;
        int need = (length + blockSize - 1) / blockSize - s.blockCount();
        if (need <= 0) return true;
        if (need > free.size()) return false;
        for (int i = 0; i < need; i++) s.addBlock(free.poll());
        return true;
    }

    synchronized void release(int[] blocks, int count) {
        for (int i = 0; i < count; i++) free.add(blocks[i]);
    }

    @Override
    public void close() {
        for (int l = 0; l < nLayer; l++) {
            if (k[l] != null) k[l].close();
            if (v[l] != null) v[l].close();
        }
    }
}
