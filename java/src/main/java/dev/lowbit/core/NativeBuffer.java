package dev.lowbit.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import org.bytedeco.javacpp.BytePointer;

/**
 * A 64-byte aligned block of native memory (activations, quantized weights, KV cache).
 * Java reads and writes it through little-endian buffer views; kernels get {@link #address()}.
 * Freed by {@link #close()} (idempotent), never by the GC alone, so model close is deterministic.
 */
public final class NativeBuffer implements AutoCloseable {
    private static final int ALIGN = 64;
    private BytePointer raw;
    private final long address;
    private final long bytes;

    public NativeBuffer(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        Native.ensureLoaded();
        this.bytes = bytes;
        this.raw = new BytePointer(bytes + ALIGN);
        if (raw.isNull()) throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
        this.address = (raw.address() + ALIGN - 1) & -ALIGN;
    }

    public static NativeBuffer floats(long n) {
        return new NativeBuffer(n * 4);
    }

    public long address() {
        if (raw == null) throw new IllegalStateException("native buffer already freed");
        return address;
    }

    /** address of float element i */
    public long floatAddress(long i) {
        return address() + i * 4;
    }

    public long bytes() {
        return bytes;
    }

    /** a view of [offset, offset+length) bytes; only valid while this buffer is open */
    public ByteBuffer byteView(long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > bytes)
            throw new IndexOutOfBoundsException("view [" + offset + "," + (offset + length) + ") of " + bytes);
        BytePointer p = new BytePointer(raw);
        long start = address() - raw.address() + offset;
        p.position(start).limit(start + length);
        return p.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public FloatBuffer floatView(long firstFloat, int count) {
        return byteView(firstFloat * 4, count * 4).asFloatBuffer();
    }

    public IntBuffer intView(long firstInt, int count) {
        return byteView(firstInt * 4, count * 4).asIntBuffer();
    }

    @Override
    public void close() {
        if (raw != null) {
            raw.close();
            raw = null;
        }
    }
}
