package dev.lowbit.model;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
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
    private final long address;
    private final NativeBuffer owned;

    public Linear(String name, Format format, int group, int rows, int cols, long address, NativeBuffer owned, boolean rotated) {
        long rb = format.rowBytes(group, cols);
        if (rb < 0) throw new IllegalArgumentException(name + ": " + cols + " columns invalid for " + format + " group " + group);
        if (owned != null && owned.bytes() < rb * rows) throw new IllegalArgumentException(name + ": buffer too small");
        this.name = name;
        this.format = format;
        this.group = group;
        this.rows = rows;
        this.cols = cols;
        this.address = address;
        this.owned = owned;
        this.rotated = rotated;
    }

    public long address() {
        return address;
    }

    public long bytes() {
        return format.rowBytes(group, cols) * rows;
    }

    /** y[ntok][rows] = x[ntok][cols] * W^T (addresses of f32 buffers the caller sized) */
    public void apply(long x, int ntok, long y) {
        Native.check(LowbitNative.lb_matmul(format.id, group, address, rows, cols, x, ntok, y), "matmul " + name);
    }

    @Override
    public void close() {
        if (owned != null) owned.close();
    }
}
