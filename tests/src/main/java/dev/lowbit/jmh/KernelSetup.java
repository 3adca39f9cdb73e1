package dev.lowbit.jmh;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/** Shared setup of the kernel benchmarks: ISA level and threads by name, random buffers. */
final class KernelSetup {
    private KernelSetup() {}

    /** forces the kernels to an ISA level; fails the trial (JMH goes on with the next) if the CPU lacks it */
    static void isa(String name) {
        Native.ensureLoaded();
        int level = switch (name) {
            case "scalar" -> LowbitNative.ISA_SCALAR;
            case "avx2" -> LowbitNative.ISA_AVX2;
            case "avx512" -> LowbitNative.ISA_AVX512;
            case "avx512-bf16" -> LowbitNative.ISA_AVX512_BF16;
            default -> throw new IllegalArgumentException("isa must be scalar, avx2, avx512 or avx512-bf16, got " + name);
        };
        if (level > LowbitNative.lb_isa_supported())
            throw new IllegalStateException("this CPU does not support " + name + " (best: " + Native.isaName(LowbitNative.lb_isa_supported()) + ")");
        LowbitNative.lb_isa_set(level);
    }

    static void threads(int n) {
        Native.setThreads(n);
    }

    /** back to the best level, so a later trial in the same JVM starts from the default */
    static void reset() {
        LowbitNative.lb_isa_set(LowbitNative.lb_isa_supported());
    }

    static Format format(String name) {
        return Format.valueOf(name);
    }

    /** n floats uniform in [-amp, amp) */
    static NativeBuffer randomFloats(long n, float amp, long seed) {
        NativeBuffer b = NativeBuffer.floats(n);
        SplittableRandom r = new SplittableRandom(seed);
        int chunk = 1 << 16;
        float[] tmp = new float[chunk];
        for (long i = 0; i < n; i += chunk) {
            int m = (int) Math.min(chunk, n - i);
            for (int j = 0; j < m; j++) tmp[j] = (float) ((r.nextDouble() * 2 - 1) * amp);
            FloatBuffer v = b.floatView(i, m);
            v.put(tmp, 0, m);
        }
        return b;
    }
}
