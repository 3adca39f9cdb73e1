package dev.lowbit.model.kv;

import dev.lowbit.core.NativeBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/**
 * The sequences of one forward step as the KV calls read them: per segment its block table, token count and
 * first position (int64 arrays for the batched native calls, and the same in Java for per-segment calls), and
 * the position of every token (int32).
 */
public final class KvBatch implements AutoCloseable {
    private final NativeBuffer tables, counts, firsts, positions;
    // views made once: a step writes through them without new objects per token
    private final LongBuffer tablesView, countsView, firstsView;
    private final IntBuffer positionsView;
    private final long[] table, pos0;
    private final int[] count, start;
    private int size, tokens;

    /** @param maxTokens the most tokens of a step (a segment has at least one) */
    public KvBatch(int maxTokens) {
        tables = new NativeBuffer(8L * maxTokens);
        counts = new NativeBuffer(8L * maxTokens);
        firsts = new NativeBuffer(8L * maxTokens);
        positions = new NativeBuffer(4L * maxTokens);
        tablesView = tables.byteView(0, 8 * maxTokens).asLongBuffer();
        countsView = counts.byteView(0, 8 * maxTokens).asLongBuffer();
        firstsView = firsts.byteView(0, 8 * maxTokens).asLongBuffer();
        positionsView = positions.intView(0, maxTokens);
        table = new long[maxTokens];
        pos0 = new long[maxTokens];
        count = new int[maxTokens];
        start = new int[maxTokens];
    }

    /** empties the batch for the next step */
    public void clear() {
        size = 0;
        tokens = 0;
    }

    /** appends a segment of n tokens that continues sequence s at its current length */
    public void add(Sequence s, int n) {
        long p0 = s.length();
        table[size] = s.blockTableAddress();
        pos0[size] = p0;
        count[size] = n;
        start[size] = tokens;
        tablesView.put(size, table[size]);
        countsView.put(size, n);
        firstsView.put(size, p0);
        for (int i = 0; i < n; i++) positionsView.put(tokens + i, (int) (p0 + i));
        size++;
        tokens += n;
    }

    /** segments in the step */
    public int size() {
        return size;
    }

    /** tokens in the step */
    public int tokens() {
        return tokens;
    }

    public long tablesAddress() {
        return tables.address();
    }

    public long countsAddress() {
        return counts.address();
    }

    public long firstsAddress() {
        return firsts.address();
    }

    /** every token's position, int32 */
    public long positionsAddress() {
        return positions.address();
    }

    public long table(int segment) {
        return table[segment];
    }

    public long pos0(int segment) {
        return pos0[segment];
    }

    public int count(int segment) {
        return count[segment];
    }

    /** index of the segment's first token among the step's tokens */
    public int start(int segment) {
        return start[segment];
    }

    @Override
    public void close() {
        for (NativeBuffer b : new NativeBuffer[] {tables, counts, firsts, positions}) b.close();
    }
}
