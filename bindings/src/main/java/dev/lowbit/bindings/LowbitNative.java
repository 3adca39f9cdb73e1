package dev.lowbit.bindings;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * Thin JavaCPP binding of native/include/lowbit/lowbit.h. Pointers cross as raw native
 * addresses (long) so that mmap'd tensors, JavaCPP-allocated buffers and direct ByteBuffers
 * all pass without copies; callers (dev.lowbit.*) validate every size before calling.
 */
@Platform(include = "lowbit/lowbit.h", link = "lowbit")
public final class LowbitNative {
    static {
        Loader.load();
    }

    private LowbitNative() {}

    public static final int LB_OK = 0, LB_ERR_ARG = -1, LB_ERR_FORMAT = -2;
    /** ISA levels (runtime.h); ISA_AVX512_BF16 adds the vdpbf16ps kernels (AVX512_BF16 + AVX512_VBMI) */
    public static final int ISA_SCALAR = 0, ISA_AVX2 = 1, ISA_AVX512 = 2, ISA_AVX512_BF16 = 3;
    /** ARM64 levels (runtime.h), numbered apart from x86's: compare levels only within one family */
    public static final int ISA_NEON = 16, ISA_NEON_DOTPROD = 17, ISA_NEON_I8MM = 18;

    // runtime
    public static native @Cast("const char*") String lb_version();
    public static native int lb_isa_supported();
    public static native int lb_isa_get();
    public static native int lb_isa_set(int level);
    public static native void lb_threads_set(int n);
    public static native int lb_threads_get();

    // memory: blocks >= HUGE_MIN_BYTES come 2 MiB aligned in transparent huge pages
    public static final long HUGE_MIN_BYTES = 4L << 20;
    public static native @Cast("void*") long lb_alloc(long bytes);
    public static native void lb_free(@Cast("void*") long p, long bytes);
    public static native long lb_heap_in_use();

    // format table (format.h): a row's public part, read-only
    public static final int USE_WEIGHT = 1, USE_KV = 2, USE_K_STATIC = 4;

    @Name("lb_format_info")
    public static final class FormatInfo extends Pointer {
        static {
            Loader.load();
        }

        public FormatInfo(Pointer p) {
            super(p);
        }

        public native @MemberGetter int id();
        public native @MemberGetter @Cast("const char*") BytePointer name();
        public native @MemberGetter int bits();
        public native @MemberGetter int block();
        public native @MemberGetter int block_bytes();
        public native @MemberGetter int row_header();
        public native @MemberGetter int row_block();
        public native @MemberGetter int uses();
    }

    /** null (a null pointer) if the id is unknown */
    public static native @Const FormatInfo lb_format_get(int fmt);
    /** the i-th row of the table, null past the last */
    public static native @Const FormatInfo lb_format_at(int i);
    public static native long lb_row_bytes(int fmt, int group, long cols);

    // quantization
    public static native int lb_quantize(int fmt, int group, @Cast("const float*") long src, @Cast("void*") long dst,
                                         long rows, long cols);
    public static native int lb_dequantize(int fmt, int group, @Cast("const void*") long src, @Cast("float*") long dst,
                                           long rows, long cols);

    // grids of the grouped weight formats chosen by calibrated methods (GPTQ, AWQ)
    public static native int lb_group_params(int fmt, int group, @Cast("const float*") long src, long rows, long cols,
                                             int grid, float maxShrink, float norm, @Cast("float*") long scale,
                                             @Cast("float*") long zero);
    public static native int lb_quantize_params(int fmt, int group, @Cast("const float*") long src,
                                                @Cast("const float*") long scale, @Cast("const float*") long zero,
                                                @Cast("void*") long dst, long rows, long cols);
    public static native int lb_group_params_awq(int fmt, int group, @Cast("const float*") long src, long rows, long cols,
                                                 @Cast("const float*") long xtx, int grid, float maxShrink,
                                                 @Cast("float*") long scale, @Cast("float*") long zero);

    // matmul: y[ntok][rows] = x[ntok][cols] * W^T
    public static native int lb_matmul(int fmt, int group, @Cast("const void*") long w, long rows, long cols,
                                       @Cast("const float*") long x, long ntok, @Cast("float*") long y);
    // the same, each token's row summed exactly as with ntok = 1 (batch-invariant results)
    public static native int lb_matmul_invariant(int fmt, int group, @Cast("const void*") long w, long rows, long cols,
                                                 @Cast("const float*") long x, long ntok, @Cast("float*") long y);

    // element-wise
    public static native int lb_rmsnorm(@Cast("const float*") long x, @Cast("const float*") long weight,
                                        @Cast("float*") long out, long rows, long n, float eps);
    public static native int lb_rope_ext(@Cast("float*") long x, long ntok, int nheads, int headDim, int rotDim,
                                         @Cast("const int32_t*") long pos, float thetaBase, int neox,
                                         @Cast("const float*") long freqFactors);
    public static native int lb_silu_mul(@Cast("float*") long gate, @Cast("const float*") long up, long n);
    public static native int lb_add(@Cast("float*") long y, @Cast("const float*") long x, long n);
    public static native int lb_add_bias(@Cast("float*") long y, @Cast("const float*") long b, long rows, long n);
    public static native int lb_hadamard(@Cast("float*") long x, long rows, long n);
    public static native int lb_kron_transform(@Cast("float*") long x, long rows, int n1, int n2, @Cast("const float*") long left,
                                               @Cast("const float*") long right, float clip);
    public static native int lb_clip_rows(@Cast("float*") long x, long rows, long n, float clip);

    // KV cache + attention
    public static native int lb_kv_store(int kvfmt, int group, @Cast("void*") long cache,
                                         @Cast("const int32_t*") long blockTable, int blockSize, int nKvHead,
                                         int headDim, @Cast("const float*") long src, long pos0, long ntok);
    public static native int lb_attention(int kvfmt, int group, @Cast("const void*") long kcache,
                                          @Cast("const void*") long vcache, @Cast("const int32_t*") long blockTable,
                                          int blockSize, @Cast("const float*") long q, long nq, long pos0,
                                          int nHead, int nKvHead, int headDim, float scale, @Cast("float*") long out);

    // static per-channel K cache (KVQuant*: K stored before RoPE, optionally before its bias)
    public static native int lb_rope_table(float thetaBase, int rotDim, @Cast("const float*") long freqFactors, long nPos,
                                           @Cast("float*") long out);
    public static native int lb_kvs_store(int kfmt, @Cast("void*") long cache, @Cast("const int32_t*") long blockTable,
                                          int blockSize, int nKvHead, int headDim, @Cast("const float*") long kScale,
                                          @Cast("const float*") long kZero, @Cast("const float*") long src, long pos0, long ntok);
    public static native int lb_kvs_attention(int kfmt, @Cast("const void*") long kcache, @Cast("const float*") long kScale,
                                              @Cast("const float*") long kOffset, @Cast("const float*") long ropeTable,
                                              long ropeNpos, int rotDim, int neox, int vfmt, int vgroup,
                                              @Cast("const void*") long vcache, @Cast("const int32_t*") long blockTable,
                                              int blockSize, @Cast("const float*") long q, long nq, long pos0, int nHead,
                                              int nKvHead, int headDim, float scale, @Cast("float*") long out);
    public static native int lb_kv_store_clip(int kvfmt, int group, float clip, @Cast("void*") long cache,
                                              @Cast("const int32_t*") long blockTable, int blockSize, int nKvHead,
                                              int headDim, @Cast("const float*") long src, long pos0, long ntok);
    // many sequences per call: blockTables is an array of nseq table addresses, ntok/nq and pos0 arrays of nseq int64
    public static native int lb_kv_store_batch(int kvfmt, int group, float clip, @Cast("void*") long cache,
                                               @Cast("const int32_t*const*") long blockTables, int blockSize, int nKvHead,
                                               int headDim, @Cast("const float*") long src, @Cast("const int64_t*") long ntok,
                                               @Cast("const int64_t*") long pos0, int nseq);
    public static native int lb_attention_batch(int kvfmt, int group, @Cast("const void*") long kcache,
                                                @Cast("const void*") long vcache, @Cast("const int32_t*const*") long blockTables,
                                                int blockSize, @Cast("const float*") long q, @Cast("const int64_t*") long nq,
                                                @Cast("const int64_t*") long pos0, int nseq, int nHead, int nKvHead, int headDim,
                                                float scale, @Cast("float*") long out);
    // K and V caches in their own formats (kfmt == vfmt: exactly lb_attention / lb_attention_batch)
    public static native int lb_attention_kv(int kfmt, int vfmt, int group, @Cast("const void*") long kcache,
                                             @Cast("const void*") long vcache, @Cast("const int32_t*") long blockTable,
                                             int blockSize, @Cast("const float*") long q, long nq, long pos0,
                                             int nHead, int nKvHead, int headDim, float scale, @Cast("float*") long out);
    public static native int lb_attention_batch_kv(int kfmt, int vfmt, int group, @Cast("const void*") long kcache,
                                                   @Cast("const void*") long vcache, @Cast("const int32_t*const*") long blockTables,
                                                   int blockSize, @Cast("const float*") long q, @Cast("const int64_t*") long nq,
                                                   @Cast("const int64_t*") long pos0, int nseq, int nHead, int nKvHead, int headDim,
                                                   float scale, @Cast("float*") long out);
}
