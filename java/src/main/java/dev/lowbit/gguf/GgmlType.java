package dev.lowbit.gguf;

/**
 * The ggml tensor element types as stored in GGUF tensor infos: id, elements per block and
 * bytes per block. Ids that ggml removed (4, 5, 31-33, 36-38) are unknown here and rejected.
 * Every GGUF type is listed, also those the engine does not compute; for those it does, the block
 * sizes agree with the native format table (dev.lowbit.quant.FormatTableTest).
 */
public enum GgmlType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q4_1(3, 32, 20), Q5_0(6, 32, 22),
    Q5_1(7, 32, 24), Q8_0(8, 32, 34), Q8_1(9, 32, 36), Q2_K(10, 256, 84), Q3_K(11, 256, 110),
    Q4_K(12, 256, 144), Q5_K(13, 256, 176), Q6_K(14, 256, 210), Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66), IQ2_XS(17, 256, 74), IQ3_XXS(18, 256, 98), IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18), IQ3_S(21, 256, 110), IQ2_S(22, 256, 82), IQ4_XS(23, 256, 136),
    I8(24, 1, 1), I16(25, 1, 2), I32(26, 1, 4), I64(27, 1, 8), F64(28, 1, 8),
    IQ1_M(29, 256, 56), BF16(30, 1, 2), TQ1_0(34, 256, 54), TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[40];
    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    public int id() {
        return id;
    }

    /** elements per block */
    public int blockSize() {
        return blockSize;
    }

    /** bytes per block */
    public int typeSize() {
        return typeSize;
    }

    /**
     * Bytes of one row of {@code cols} elements.
     *
     * @throws IllegalArgumentException if cols is not positive, not a multiple of the block
     *     size, or the byte count overflows a long
     */
    public long rowBytes(long cols) {
        if (cols <= 0) throw new IllegalArgumentException(this + ": row length " + cols + " must be positive");
        if (cols % blockSize != 0) {
            throw new IllegalArgumentException(
                    this + ": row length " + cols + " is not a multiple of the block size " + blockSize);
        }
        try {
            return Math.multiplyExact(cols / blockSize, (long) typeSize);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(this + ": row of " + cols + " elements overflows", e);
        }
    }

    /** @throws GgufFormatException for ids that are not (or no longer) ggml types */
    public static GgmlType fromId(int id) throws GgufFormatException {
        GgmlType t = fromIdOrNull(id);
        if (t == null) throw new GgufFormatException("unknown ggml tensor type id " + Integer.toUnsignedLong(id));
        return t;
    }

    static GgmlType fromIdOrNull(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
