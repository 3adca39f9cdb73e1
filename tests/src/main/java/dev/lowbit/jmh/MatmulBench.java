package dev.lowbit.jmh;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * lb_matmul for every kernel variant (ISA level) x weight format x shape class: GEMV (ntok = 1,
 * decode) and small GEMM (ntok = 4, 16: batched decode) at the linear-layer shapes of
 * Qwen2.5-0.5B (896x896 q/o, 4864x896 gate/up, 896x4864 down) and R1-Distill-Qwen-1.5B
 * (1536x1536, 8960x1536), shape written rows x cols (outputs x inputs).
 * Weight bytes per call = rows x lb_row_bytes(format, group, cols), printed at setup, so
 * GB/s = bytes / (time per op). "avx512-bf16" runs the vdpbf16ps kernels (W4G/W3G/W2G, BF16 and
 * BF16X16 weights; the other formats as "avx512"), "avx512" their FP32-FMA AVX-512 variants (BF16X16,
 * the layout of the vdpbf16ps kernel, has only its scalar reference below avx512-bf16). Combinations a format cannot represent (Q4_K needs cols % 256 == 0)
 * or a CPU cannot run fail their trial and JMH moves on.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 1, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class MatmulBench {
    @Param({"avx512-bf16", "avx512", "avx2", "scalar"})
    public String isa;

    @Param({"F16", "BF16", "BF16X16", "Q8_0", "Q4_0", "Q4_K", "W4G", "W3G", "W2G", "I8CH", "I8CHA", "I4CH"})
    public String format;

    @Param({"896x896", "4864x896", "896x4864", "1536x1536", "8960x1536"})
    public String shape;

    @Param({"1", "4", "16"})
    public int ntok;

    @Param({"1"})
    public int threads;

    private NativeBuffer w, x, y;
    private int fmt, group;
    private long rows, cols;

    @Setup(Level.Trial)
    public void setup() {
        KernelSetup.isa(isa);
        KernelSetup.threads(threads);
        String[] rc = shape.split("x");
        rows = Long.parseLong(rc[0]);
        cols = Long.parseLong(rc[1]);
        Format f = KernelSetup.format(format);
        fmt = f.id;
        group = f.grouped() ? 128 : 0;
        long rb = LowbitNative.lb_row_bytes(fmt, group, cols);
        if (rb < 0) throw new IllegalStateException(format + " cannot hold rows of " + cols + " (group " + group + ")");
        try (NativeBuffer src = KernelSetup.randomFloats(rows * cols, (float) (1 / Math.sqrt(cols)), 1)) {
            w = new NativeBuffer(f.matrixBytes(group, cols, rows));
            Native.check(LowbitNative.lb_quantize(fmt, group, src.address(), w.address(), rows, cols), "quantize " + format);
        }
        x = KernelSetup.randomFloats(ntok * cols, 1f, 2);
        y = NativeBuffer.floats(ntok * rows);
        Native.check(LowbitNative.lb_matmul(fmt, group, w.address(), rows, cols, x.address(), ntok, y.address()), "matmul " + format);
        System.out.printf("%n[matmul %s %s %s ntok=%d] weight bytes per call: %d%n", isa, format, shape, ntok, rb * rows);
    }

    @Benchmark
    public int matmul() {
        return LowbitNative.lb_matmul(fmt, group, w.address(), rows, cols, x.address(), ntok, y.address());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (NativeBuffer b : new NativeBuffer[] {w, x, y}) if (b != null) b.close();
        KernelSetup.reset();
    }
}
