package dev.lowbit.model;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.core.RawMemory;
import dev.lowbit.quant.Format;

/**
 * A weight matrix ready for lb_matmul: `rows` outputs x `cols` inputs in one format.
 * Data lives either in the mmap'd GGUF file (kept as loaded) or in a native buffer this object
 * owns (requantized). `rotated` means the weight was multiplied by a Hadamard matrix on its
 * input side, so inputs must be rotated the same way before the matmul.
 */
public final class Linear implements AutoCloseable {
    public final String name;
    public final Format format;
    public final int group;
    public final int rows;
    public final int cols;
    public final boolean rotated;
    /** row length stored (>= cols): groups that do not divide cols are completed with zero weights */
    public final int paddedCols;
    private final long address;
    private final NativeBuffer owned;
    private NativeBuffer padScratch;

    public Linear(String name, Format format, int group, int rows, int cols, long address, NativeBuffer owned, boolean rotated) {
        this(name, format, group, rows, cols, cols, address, owned, rotated);
    }

    public Linear(String name, Format format, int group, int rows, int cols, int paddedCols, long address, NativeBuffer owned,
                  boolean rotated) {
        if (paddedCols < cols) throw new IllegalArgumentException(name + ": padded row shorter than the row");
        long rb = format.rowBytes(group, paddedCols);
        if (rb < 0) throw new IllegalArgumentException(name + ": " + cols + " columns invalid for " + format + " group " + group);
        if (owned != null && owned.bytes() < format.matrixBytes(group, paddedCols, rows)) throw new IllegalArgumentException(name + ": buffer too small");
        this.name = name;
        this.format = format;
        this.group = group;
        this.rows = rows;
        this.cols = cols;
        this.address = address;
        this.owned = owned;
        this.rotated = rotated;
        this.paddedCols = paddedCols;
    }

    /**
     * one matrix over parts that lie back to back in memory with the same format and inputs (q, k, v;
     * gate, up), so that a one-token step makes one matmul call instead of several; null if they do not
     */
    static Linear stacked(String name, Linear... parts) {
        Linear a = parts[0];
        int rows = 0;
        long end = a.address;
        for (Linear p : parts) {
            if (p.format != a.format || p.group != a.group || p.cols != a.cols || p.paddedCols != a.paddedCols
                    || p.rotated != a.rotated || p.format.rowBlock() != 1 || p.address != end) return null;
            end += p.bytes();
            rows += p.rows;
        }
        return new Linear(name, a.format, a.group, rows, a.cols, a.paddedCols, a.address, null, a.rotated);
    }

    public long address() {
        return address;
    }

    public long bytes() {
        return format.matrixBytes(group, paddedCols, rows);
    }

    /**
     * y[ntok][rows] = x[ntok][cols] * W^T (addresses of f32 buffers the caller sized). invariant: each
     * token's row computed as a one-token call computes it (lb_matmul_invariant), so that it does not
     * depend on the other tokens of the call; slower for several tokens.
     */
    public void apply(long x, int ntok, long y, boolean invariant) {
        if (paddedCols != cols) x = padded(x, ntok);
        int st = invariant ? LowbitNative.lb_matmul_invariant(format.id, group, address, rows, paddedCols, x, ntok, y)
                : LowbitNative.lb_matmul(format.id, group, address, rows, paddedCols, x, ntok, y);
        Native.check(st, "matmul " + name);
    }

    /** copies the input rows into zero-padded rows of paddedCols (only toy models have such rows) */
    private long padded(long x, int ntok) {
        long need = 4L * ntok * paddedCols;
        if (padScratch == null || padScratch.bytes() < need) {
            if (padScratch != null) padScratch.close();
            padScratch = new NativeBuffer(need);
            RawMemory.zero(padScratch.address(), need);
        }
        for (int t = 0; t < ntok; t++)
            RawMemory.copy(padScratch.address() + 4L * t * paddedCols, x + 4L * t * cols, 4L * cols);
        return padScratch.address();
    }

    @Override
    public void close() {
        if (owned != null) owned.close();
        if (padScratch != null) padScratch.close();
    }
}
