package dev.lowbit.core;

import dev.lowbit.bindings.LowbitNative;
import org.bytedeco.javacpp.Loader;

/** Loads the native library once and turns kernel status codes into exceptions. */
public final class Native {
    static {
        Loader.load(LowbitNative.class);
    }

    private Native() {}

    /** call before touching any JavaCPP pointer class */
    public static void ensureLoaded() {}

    /** throws if a kernel returned an error; `what` names the call for the message */
    public static void check(int status, String what) {
        if (status == LowbitNative.LB_OK) return;
        String why = status == LowbitNative.LB_ERR_ARG ? "invalid argument"
                : status == LowbitNative.LB_ERR_FORMAT ? "format not supported by this kernel"
                : "status " + status;
        throw new IllegalStateException("native " + what + " failed: " + why);
    }

    public static void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        LowbitNative.lb_threads_set(n);
    }

    /** the name of a native ISA level (see {@link Isa}) */
    public static String isaName(int isa) {
        return Isa.of(isa).label();
    }
}
