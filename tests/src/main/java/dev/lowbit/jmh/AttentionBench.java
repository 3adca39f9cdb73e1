package dev.lowbit.jmh;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.Format;
import java.nio.IntBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * One decode token's attention (one layer) over a paged KV cache of `ctx` tokens in each KV
 * format, at Qwen2.5-0.5B's attention shape (headDim 64: 14 query heads, 2 KV heads) or
 * R1-Distill-Qwen-1.5B's (headDim 128: 12 query heads, 2 KV heads), group = head_dim.
 * KV bytes read per call = 2 (K and V) x ctx x n_kv_head x lb_row_bytes(kv, hd, hd), printed at
 * setup: at head_dim 64 F16 128 B per row, KV8 67, KV4 35 (27% of F16), KV3 27.
 * F16 runs FP32 products; KV8/KV4/KV3 the study's BF16 attention (bf16 query, value weights
 * bf16(p s) on the codes; see attention.cpp): "avx512" with FP32 FMAs on rows dequantised in
 * registers, "avx512-bf16" (KV4) with vdpbf16ps on the codes. With threads > 1 one decode row is split into spans across the threads
 * (flash-decoding). On a shared machine add -bm sample and read the p0.00 (minimum) line.
 * <pre>
 * java -jar tests/target/benchmarks.jar AttentionBench -p isa=avx512-bf16,avx512 -p threads=1,2
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@Warmup(iterations = 1, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class AttentionBench {
    private static final int N_KV_HEAD = 2, BLOCK = 256;

    @Param({"avx512-bf16", "avx512", "scalar"})
    public String isa;

    @Param({"F16", "KV8", "KV4", "KV3"})
    public String kv;

    @Param({"1024", "8192", "32768"})
    public int ctx;

    @Param({"1"})
    public int threads;

    @Param({"64"})
    public int headDim;

    private NativeBuffer k, v, table, q, out;
    private int fmt, group, nHead;

    @Setup(Level.Trial)
    public void setup() {
        KernelSetup.isa(isa);
        KernelSetup.threads(threads);
        if (headDim != 64 && headDim != 128) throw new IllegalArgumentException("headDim is 64 (Qwen2.5-0.5B) or 128 (R1-Distill-Qwen-1.5B)");
        nHead = headDim == 64 ? 14 : 12;
        Format f = KernelSetup.format(kv);
        fmt = f.id;
        group = f.grouped() ? headDim : 0;
        long rb = LowbitNative.lb_row_bytes(fmt, group, headDim);
        int blocks = (ctx + BLOCK - 1) / BLOCK;
        long blockBytes = rb * N_KV_HEAD * BLOCK;
        k = new NativeBuffer(blockBytes * blocks);
        v = new NativeBuffer(blockBytes * blocks);
        table = new NativeBuffer(4L * blocks);
        IntBuffer t = table.intView(0, blocks);
        for (int i = 0; i < blocks; i++) t.put(i, blocks - 1 - i); // scattered pages, as a real pool hands out
        try (NativeBuffer src = KernelSetup.randomFloats((long) ctx * N_KV_HEAD * headDim, 1f, 3)) {
            Native.check(LowbitNative.lb_kv_store(fmt, group, k.address(), table.address(), BLOCK, N_KV_HEAD, headDim, src.address(), 0, ctx), "kv store");
            Native.check(LowbitNative.lb_kv_store(fmt, group, v.address(), table.address(), BLOCK, N_KV_HEAD, headDim, src.address(), 0, ctx), "kv store");
        }
        q = KernelSetup.randomFloats((long) nHead * headDim, 1f, 4);
        out = NativeBuffer.floats((long) nHead * headDim);
        Native.check(attention(), "attention");
        System.out.printf("%n[attention %s %s ctx=%d] KV bytes read per call: %d%n", isa, kv, ctx, 2L * ctx * N_KV_HEAD * rb);
    }

    private int attention() {
        return LowbitNative.lb_attention(fmt, group, k.address(), v.address(), table.address(), BLOCK, q.address(), 1, ctx - 1,
                nHead, N_KV_HEAD, headDim, (float) (1 / Math.sqrt(headDim)), out.address());
    }

    @Benchmark
    public int decodeStep() {
        return attention();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (NativeBuffer b : new NativeBuffer[] {k, v, table, q, out}) if (b != null) b.close();
        KernelSetup.reset();
    }
}
