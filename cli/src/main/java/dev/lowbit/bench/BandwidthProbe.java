package dev.lowbit.bench;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import java.nio.FloatBuffer;

/**
 * Memory read bandwidth of this machine as the kernels see it: lb_matmul over an F32 matrix of
 * {@code mib} MiB with one input token. That is a pure streaming read (one FMA per 4 bytes,
 * far below the FMA throughput of a core), spread over the kernel thread pool exactly like a
 * decode step, so bandwidth / (weight bytes per token) is the decode ceiling.
 * The matrix is written with non-zero values first, so every page is really backed (untouched
 * pages would all map the kernel's zero page and read from cache).
 */
public final class BandwidthProbe {
    private static final int COLS = 4096;

    private BandwidthProbe() {}

    /** GB/s (1e9 bytes/s) per timed pass, after one untimed pass */
    public static Stats measure(int mib, int passes) {
        if (mib < 16) throw new IllegalArgumentException("roofline buffer must be >= 16 MiB, got " + mib);
        if (passes < 1) throw new IllegalArgumentException("passes must be >= 1");
        Native.ensureLoaded();
        long rows = ((long) mib << 20) / (4L * COLS);
        long bytes = rows * COLS * 4;
        try (NativeBuffer w = new NativeBuffer(bytes); NativeBuffer x = NativeBuffer.floats(COLS); NativeBuffer y = NativeBuffer.floats(rows)) {
            fill(w, bytes);
            FloatBuffer xv = x.floatView(0, COLS);
            for (int i = 0; i < COLS; i++) xv.put(i, 1f / (1 + i));
            read(w, rows, x, y);
            double[] gbs = new double[passes];
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                read(w, rows, x, y);
                gbs[p] = bytes / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
            return Stats.of(gbs);
        }
    }

    private static void read(NativeBuffer w, long rows, NativeBuffer x, NativeBuffer y) {
        Native.check(LowbitNative.lb_matmul(Format.F32.id, 0, w.address(), rows, COLS, x.address(), 1, y.address()), "bandwidth probe");
    }

    private static void fill(NativeBuffer w, long bytes) {
        int chunkFloats = 1 << 20;
        float[] pattern = new float[chunkFloats];
        for (int i = 0; i < chunkFloats; i++) pattern[i] = (i % 97) * 0.01f - 0.5f;
        long floats = bytes / 4;
        for (long f = 0; f < floats; f += chunkFloats) {
            int n = (int) Math.min(chunkFloats, floats - f);
            w.floatView(f, n).put(pattern, 0, n);
        }
    }
}
