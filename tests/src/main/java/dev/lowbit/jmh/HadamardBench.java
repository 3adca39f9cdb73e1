package dev.lowbit.jmh;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * In-place Walsh-Hadamard transform (lb_hadamard) of `rows` activation rows of length n: the
 * online rotation of W4A4. n = 896 (2^5 x 28) and 4864 (2^6 x 76) are Qwen2.5-0.5B's hidden and
 * FFN widths (a power-of-two transform times a small Hadamard matrix); 1024 and 4096 are powers
 * of two. A width the kernel cannot factor fails its trial at setup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 1, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class HadamardBench {
    @Param({"avx512", "scalar"})
    public String isa;

    @Param({"896", "4864", "1024", "4096"})
    public int n;

    @Param({"1", "16"})
    public int rows;

    private NativeBuffer x;

    @Setup(Level.Trial)
    public void setup() {
        KernelSetup.isa(isa);
        x = KernelSetup.randomFloats((long) rows * n, 1f, 5);
        Native.check(LowbitNative.lb_hadamard(x.address(), rows, n), "hadamard n=" + n);
    }

    @Benchmark
    public int transform() {
        // orthonormal: repeated application keeps the values bounded
        return LowbitNative.lb_hadamard(x.address(), rows, n);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (x != null) x.close();
        KernelSetup.reset();
    }
}
