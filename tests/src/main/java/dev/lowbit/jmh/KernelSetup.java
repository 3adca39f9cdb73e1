package dev.lowbit.jmh;

import dev.lowbit.core.Isa;
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
        Isa.force(Isa.parse(name));
    }

    static void threads(int n) {
        Native.setThreads(n);
    }

    /** back to the best level, so a later trial in the same JVM starts from the default */
    static void reset() {
        Isa.force(Isa.best());
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
