package dev.lowbit.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.concurrent.atomic.AtomicLong;
import dev.lowbit.bindings.LowbitNative;
import org.bytedeco.javacpp.BytePointer;

/**
 * A 64-byte aligned block of native memory (activations, quantized weights, KV cache).
 * Java reads and writes it through little-endian buffer views; kernels get {@link #address()}.
 * Blocks of {@link LowbitNative#HUGE_MIN_BYTES} or more come from lb_alloc: 2 MiB aligned, in
 * transparent huge pages (decode streams weights and KV ~20% faster than from 4 KiB pages).
 * Freed by {@link #close()} (idempotent), never by the GC alone, so model close is deterministic.
 */
public final class NativeBuffer implements AutoCloseable {
    private static final int ALIGN = 64;
    // what is allocated and not yet closed: lets tests (and users chasing a leak) check that
    // closing a model returns every byte, exactly, without reading the noisy process RSS
    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    private static final AtomicLong LIVE_BLOCKS = new AtomicLong();
    private BytePointer raw;
    private final long address;
    private final long bytes;
    private final boolean huge;

    public NativeBuffer(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        Native.ensureLoaded();
        this.bytes = bytes;
        if (bytes >= LowbitNative.HUGE_MIN_BYTES) {
            long p = LowbitNative.lb_alloc(bytes);
            if (p == 0) throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
            this.raw = new At(p, bytes);
            this.address = p;
            this.huge = true;
        } else {
            this.raw = new BytePointer(bytes + ALIGN);
            if (raw.isNull()) throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
            this.address = (raw.address() + ALIGN - 1) & -ALIGN;
            this.huge = false;
        }
        LIVE_BYTES.addAndGet(bytes);
        LIVE_BLOCKS.incrementAndGet();
    }

    /** bytes held by all NativeBuffers not yet closed */
    public static long liveBytes() {
        return LIVE_BYTES.get();
    }

    /** number of NativeBuffers not yet closed */
    public static long liveBlocks() {
        return LIVE_BLOCKS.get();
    }

    /** a view of memory JavaCPP does not own (lb_alloc'd) */
    private static final class At extends BytePointer {
        At(long address, long bytes) {
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
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
            if (huge) LowbitNative.lb_free(address, bytes);
            else raw.close();
            raw = null;
            LIVE_BYTES.addAndGet(-bytes);
            LIVE_BLOCKS.decrementAndGet();
        }
    }
}
