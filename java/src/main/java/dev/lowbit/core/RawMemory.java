package dev.lowbit.core;

import org.bytedeco.javacpp.Pointer;

/** memcpy/memset on raw native addresses (JavaCPP's, so no extra native code). */
public final class RawMemory {
    private RawMemory() {}

    private static final class At extends Pointer {
        At(long address) {
            this.address = address;
        }
    }

    public static void copy(long dst, long src, long bytes) {
        Native.ensureLoaded();
        Pointer.memcpy(new At(dst), new At(src), bytes);
    }

    public static void zero(long dst, long bytes) {
        Native.ensureLoaded();
        Pointer.memset(new At(dst), 0, bytes);
    }
}
