package dev.lowbit.generate;

import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
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
    /** format of the K pool: {@link #format}, or a static per-channel KVS format (codes only) */
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
     * @param maxTokensPerSeq the longest sequence (context length)
     * @param budgetBytes     memory for all K and V pools together
     */
    public KvCache(Format format, int group, int nLayer, int nKvHead, int headDim, int blockSize, int maxTokensPerSeq,
                   long budgetBytes) {
        this(format, format, group, nLayer, nKvHead, headDim, blockSize, maxTokensPerSeq, budgetBytes);
    }

    /** @param kFormat the K pool's format: `format` or, for static per-channel K, KVS8/KVS4/KVS3 */
    public KvCache(Format format, Format kFormat, int group, int nLayer, int nKvHead, int headDim, int blockSize,
                   int maxTokensPerSeq, long budgetBytes) {
        if (!format.kvCache())
            throw new IllegalArgumentException("not a KV-cache format: " + format);
        if (kFormat != format && !kFormat.staticK())
            throw new IllegalArgumentException("not a K-cache format: " + kFormat);
        this.format = format;
        this.kFormat = kFormat;
        this.group = format.grouped() ? Math.min(group, headDim) : 0;
        long rowBytes = format.rowBytes(this.group, headDim);
        if (rowBytes < 0) throw new IllegalArgumentException("head_dim " + headDim + " invalid for KV format " + format);
        long kRowBytes = kFormat == format ? rowBytes : kFormat.rowBytes(0, headDim);
        if (kRowBytes < 0) throw new IllegalArgumentException("head_dim " + headDim + " invalid for K format " + kFormat + " (needs a multiple of 8)");
        this.blockSize = blockSize;
        this.nLayer = nLayer;
        this.nKvHead = nKvHead;
        this.headDim = headDim;
        this.kBlockBytes = kRowBytes * nKvHead * blockSize;
        this.vBlockBytes = rowBytes * nKvHead * blockSize;
        this.maxBlocksPerSeq = (maxTokensPerSeq + blockSize - 1) / blockSize;
        long perBlockAllLayers = (kBlockBytes + vBlockBytes) * nLayer;
        long n = budgetBytes / perBlockAllLayers;
        if (n < maxBlocksPerSeq)
            throw new IllegalArgumentException(String.format("KV budget of %.1f MiB cannot hold one sequence of %d tokens (needs %.1f MiB)",
                    budgetBytes / 1048576.0, maxTokensPerSeq, maxBlocksPerSeq * perBlockAllLayers / 1048576.0));
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
