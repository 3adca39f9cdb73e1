package dev.lowbit.gguf;

/** The type tag of a GGUF metadata value, with its id as stored in the file. */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4),
    FLOAT32(6, 4), BOOL(7, 1), STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = new GgufValueType[13];
    static {
        for (GgufValueType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    public int id() {
        return id;
    }

    /** bytes one value occupies in the file; -1 for STRING and ARRAY (variable) */
    public int fixedSize() {
        return size;
    }

    /** the fewest bytes one value of this type can occupy (bounds counts read from a file) */
    int minSize() {
        if (this == STRING) return 8;          // u64 length, empty string
        if (this == ARRAY) return 12;          // u32 element type + u64 count, empty array
        return size;
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public boolean isUnsigned() {
        return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64;
    }

    /** null for an unknown id */
    public static GgufValueType fromIdOrNull(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
