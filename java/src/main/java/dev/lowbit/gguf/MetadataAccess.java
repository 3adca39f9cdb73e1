package dev.lowbit.gguf;

/** Conversions behind the typed metadata getters of {@link GgufFile}. */
final class MetadataAccess {
    private MetadataAccess() {}

    /** an integer value as a long, unsigned types zero-extended (UINT64 kept as its 64 bits) */
    static long toLong(GgufValueType t, Object v) {
        return switch (t) {
            case UINT8 -> Byte.toUnsignedLong((Byte) v);
            case UINT16 -> Short.toUnsignedLong((Short) v);
            case UINT32 -> Integer.toUnsignedLong((Integer) v);
            case INT8, INT16, INT32, INT64, UINT64 -> ((Number) v).longValue();
            default -> throw new IllegalArgumentException("not an integer type: " + t);
        };
    }
}
