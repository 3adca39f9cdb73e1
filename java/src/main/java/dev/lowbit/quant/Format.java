package dev.lowbit.quant;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;

/**
 * The formats of the native format table (native/cpu/format_table.h): each constant names one id,
 * and everything else about it (bits, block and row layout, what it may be used for) is read from
 * the table's row through {@code lb_format_get}, so Java and the kernels cannot disagree.
 */
public enum Format {
    F32(0), F16(1), Q4_0(2), Q4_1(3), Q5_0(6), Q5_1(7), Q8_0(8),
    Q2_K(10), Q3_K(11), Q4_K(12), Q5_K(13), Q6_K(14), BF16(30),
    /** weight-only asymmetric, group g: {f16 scale, u8 zero, packed codes} per group */
    W4G(100), W3G(101), W2G(102),
    /** BF16 values in blocks of 16 rows (column pairs of 16 rows per 64-byte vector): the layout of the
     *  broadcast vdpbf16ps kernel; a matrix takes whole blocks (the last one zero-padded) */
    BF16X16(103),
    /** W8A8: int8 per output channel, activations int8 per token (dynamic) */
    I8CH(110),
    /** W8A8 with asymmetric per-token activations (u8 codes + zero point); weights as I8CH */
    I8CHA(112),
    /** W4A4: int4 per output channel, activations int4 per token after rotation */
    I4CH(111),
    /** W4A4 with asymmetric per-token activations (u4 codes + zero point, the study's --a_asym); weights as I4CH */
    I4CHA(114),
    /** MXFP4 (OCP Microscaling), W4A4: E2M1 elements with one E8M0 exponent per 32 (17-byte blocks);
     *  activations quantized to MXFP4 per 32 at run time */
    MXFP4(113),
    /** KV cache: asymmetric, group per token and head */
    KV8(120), KV4(121), KV3(122),
    /** K cache with static per-channel scales (KVQuant*, stored before RoPE): codes only, scales outside the row */
    KVS8(123), KVS4(124), KVS3(125);

    public final int id;
    /** nominal bits per weight code */
    public final int bits;
    private final int block;
    private final int rowBlock;
    private final int uses;

    Format(int id) {
        Native.ensureLoaded();
        LowbitNative.FormatInfo row = LowbitNative.lb_format_get(id);
        if (row == null || row.isNull())
            throw new IllegalStateException("the native format table has no format " + id + " (" + name() + ")");
        this.id = id;
        this.bits = row.bits();
        this.block = row.block();
        this.rowBlock = row.row_block();
        this.uses = row.uses();
    }

    public static Format fromId(int id) {
        for (Format f : values()) if (f.id == id) return f;
        throw new IllegalArgumentException("unknown format id " + id);
    }

    /** elements per block of a block format (32, K-quants 256); 0 for a grouped or per-channel one */
    public int block() {
        return block;
    }

    /** true when the format needs a group parameter (its block is the group) */
    public boolean grouped() {
        return block == 0;
    }

    /** rows this format interleaves: a matrix takes whole blocks of them */
    public int rowBlock() {
        return rowBlock;
    }

    /** true for a format of weights that lb_matmul multiplies */
    public boolean weight() {
        return (uses & LowbitNative.USE_WEIGHT) != 0;
    }

    /** true for a format of K and V cache rows (lb_kv_store, lb_attention) */
    public boolean kvCache() {
        return (uses & LowbitNative.USE_KV) != 0;
    }

    /** true for a format of static per-channel K cache rows (codes only) */
    public boolean staticK() {
        return (uses & LowbitNative.USE_K_STATIC) != 0;
    }

    /**
     * bits of the activations a weight format's matmul quantizes its input to per token at run time (W8A8: 8;
     * W4A4 and MXFP4: 4), 16 when it multiplies 16-bit inputs
     */
    public int activationBits() {
        return switch (this) {
            case I8CH, I8CHA -> 8;
            case I4CH, I4CHA, MXFP4 -> 4;
            default -> 16;
        };
    }

    /** bytes a matrix of `rows` rows of `cols` elements takes (whole row blocks), or -1 if cols/group are invalid */
    public long matrixBytes(int group, long cols, long rows) {
        long rb = rowBytes(group, cols);
        return rb < 0 ? -1 : rb * ((rows + rowBlock - 1) / rowBlock * rowBlock);
    }

    /** bytes of one row of `cols` elements, or -1 if cols/group are invalid for this format */
    public long rowBytes(int group, long cols) {
        return LowbitNative.lb_row_bytes(id, group, cols);
    }

    /** effective bits per weight including scales/zeros */
    public double bitsPerWeight(int group, long cols) {
        long rb = rowBytes(group, cols);
        return rb < 0 ? Double.NaN : rb * 8.0 / cols;
    }
}
