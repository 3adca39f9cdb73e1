package dev.lowbit.quant;

import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;

/**
 * The format table, Java side: mirrors lb_format in native/include/lowbit/format.h one to one
 * (ggml-native types keep their ggml ids, the study's formats start at 100).
 */
public enum Format {
    F32(0, 32), F16(1, 16), Q4_0(2, 4), Q4_1(3, 4), Q5_0(6, 5), Q5_1(7, 5), Q8_0(8, 8),
    Q2_K(10, 2), Q3_K(11, 3), Q4_K(12, 4), Q5_K(13, 5), Q6_K(14, 6), BF16(30, 16),
    /** weight-only asymmetric, group g: {f16 scale, u8 zero, packed codes} per group */
    W4G(100, 4), W3G(101, 3), W2G(102, 2),
    /** BF16 values in blocks of 16 rows (column pairs of 16 rows per 64-byte vector): the layout of the
     *  broadcast vdpbf16ps kernel; a matrix takes whole blocks (the last one zero-padded) */
    BF16X16(103, 16),
    /** W8A8: int8 per output channel, activations int8 per token (dynamic) */
    I8CH(110, 8),
    /** W8A8 with asymmetric per-token activations (u8 codes + zero point); weights as I8CH */
    I8CHA(112, 8),
    /** W4A4: int4 per output channel, activations int4 per token after rotation */
    I4CH(111, 4),
    /** KV cache: asymmetric, group per token and head */
    KV8(120, 8), KV4(121, 4), KV3(122, 3),
    /** K cache with static per-channel scales (KVQuant*, stored before RoPE): codes only, scales outside the row */
    KVS8(123, 8), KVS4(124, 4), KVS3(125, 3);

    public final int id;
    public final int bits;

    Format(int id, int bits) {
        this.id = id;
        this.bits = bits;
    }

    public static Format fromId(int id) {
        for (Format f : values()) if (f.id == id) return f;
        throw new IllegalArgumentException("unknown format id " + id);
    }

    /** true when the format needs a group parameter (study formats) */
    public boolean grouped() {
        return this == W4G || this == W3G || this == W2G || this == KV8 || this == KV4 || this == KV3;
    }

    /** rows this format interleaves: a matrix takes whole blocks of them */
    public int rowBlock() {
        return this == BF16X16 ? 16 : 1;
    }

    /** bytes a matrix of `rows` rows of `cols` elements takes (whole row blocks), or -1 if cols/group are invalid */
    public long matrixBytes(int group, long cols, long rows) {
        long rb = rowBytes(group, cols);
        return rb < 0 ? -1 : rb * ((rows + rowBlock() - 1) / rowBlock() * rowBlock());
    }

    /** bytes of one row of `cols` elements, or -1 if cols/group are invalid for this format */
    public long rowBytes(int group, long cols) {
        Native.ensureLoaded();
        return LowbitNative.lb_row_bytes(id, group, cols);
    }

    /** effective bits per weight including scales/zeros */
    public double bitsPerWeight(int group, long cols) {
        long rb = rowBytes(group, cols);
        return rb < 0 ? Double.NaN : rb * 8.0 / cols;
    }
}
