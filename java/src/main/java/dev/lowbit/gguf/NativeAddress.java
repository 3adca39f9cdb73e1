package dev.lowbit.gguf;

import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * The native address of a direct ByteBuffer, read from {@code java.nio.Buffer.address}
 * through sun.misc.Unsafe (module jdk.unsupported, open to all code). This needs no
 * --add-opens flag and no native library, unlike JNI's GetDirectBufferAddress.
 */
final class NativeAddress {
    private static final sun.misc.Unsafe UNSAFE;
    private static final long ADDRESS_OFFSET;

    static {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            UNSAFE = (sun.misc.Unsafe) f.get(null);
            ADDRESS_OFFSET = UNSAFE.objectFieldOffset(Buffer.class.getDeclaredField("address"));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NativeAddress() {}

    /** the address of element 0 of a direct buffer (position is ignored) */
    static long of(ByteBuffer direct) {
        if (!direct.isDirect()) throw new IllegalArgumentException("not a direct buffer");
        return UNSAFE.getLong(direct, ADDRESS_OFFSET);
    }

    /** reads one byte at a native address; for tests that check an address really is the data */
    static byte peek(long address) {
        return UNSAFE.getByte(address);
    }
}
