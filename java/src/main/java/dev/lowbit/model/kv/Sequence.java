package dev.lowbit.model.kv;

import dev.lowbit.core.NativeBuffer;

/** One sequence's view of the paged KV cache: its block table and how many tokens it holds. */
public final class Sequence implements AutoCloseable {
    private final KvCache cache;
    private final NativeBuffer table;
    private final int[] blocks;
    private int blockCount;
    private int length;

    Sequence(KvCache cache) {
        this.cache = cache;
        this.blocks = new int[cache.maxBlocksPerSeq];
        this.table = new NativeBuffer(4L * cache.maxBlocksPerSeq);
    }

    void addBlock(int b) {
        blocks[blockCount] = b;
        table.intView(blockCount, 1).put(0, b);
        blockCount++;
    }

    public int blockCount() {
        return blockCount;
    }

    /** tokens whose K/V are stored */
    public int length() {
        return length;
    }

    public void setLength(int n) {
        if (n < 0 || n > blockCount * cache.blockSize) throw new IllegalArgumentException("length " + n + " beyond reserved blocks");
        length = n;
    }

    public long blockTableAddress() {
        return table.address();
    }

    /** drops the tokens and gives the blocks back */
    public void clear() {
        cache.release(blocks, blockCount);
        blockCount = 0;
        length = 0;
    }

    @Override
    public void close() {
        clear();
        table.close();
    }
}
