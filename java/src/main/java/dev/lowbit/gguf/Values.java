package dev.lowbit.gguf;

import java.util.List;

/** Checks Java values against GGUF value types and converts them to their canonical Java type. */
final class Values {
    private Values() {}

    /**
     * The canonical Java value for type t: Byte (UINT8/INT8), Short, Integer, Long, Float,
     * Double, Boolean, String, or GgufArray. Integer types accept any integral Number whose
     * value fits either the signed or (for unsigned types) the unsigned range of that width.
     */
    static Object check(GgufValueType t, Object v, String where) {
        if (v == null) throw new IllegalArgumentException(where + ": null value for " + t);
        switch (t) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                if (!(v instanceof Byte || v instanceof Short || v instanceof Integer || v instanceof Long)) {
                    throw new IllegalArgumentException(where + ": " + t + " needs an integer, got " + v.getClass().getSimpleName());
                }
                long x = ((Number) v).longValue();
                int bits = t.fixedSize() * 8;
                if (bits < 64) {
                    long lo = -(1L << (bits - 1));
                    long hi = t.isUnsigned() ? (1L << bits) - 1 : (1L << (bits - 1)) - 1;
                    if (x < lo || x > hi) throw new IllegalArgumentException(where + ": " + x + " does not fit " + t);
                }
                return switch (bits) {
                    case 8 -> (byte) x;
                    case 16 -> (short) x;
                    case 32 -> (int) x;
                    default -> x;
                };
            }
            case FLOAT32 -> {
                if (!(v instanceof Number n)) throw new IllegalArgumentException(where + ": FLOAT32 needs a number, got " + v.getClass().getSimpleName());
                return n.floatValue();
            }
            case FLOAT64 -> {
                if (!(v instanceof Number n)) throw new IllegalArgumentException(where + ": FLOAT64 needs a number, got " + v.getClass().getSimpleName());
                return n.doubleValue();
            }
            case BOOL -> {
                if (!(v instanceof Boolean)) throw new IllegalArgumentException(where + ": BOOL needs a Boolean, got " + v.getClass().getSimpleName());
                return v;
            }
            case STRING -> {
                if (!(v instanceof CharSequence s)) throw new IllegalArgumentException(where + ": STRING needs a String, got " + v.getClass().getSimpleName());
                return s.toString();
            }
            case ARRAY -> {
                if (v instanceof GgufArray a) return a;
                if (v instanceof List<?> l) return GgufArray.of(inferElementType(l, where), l);
                throw new IllegalArgumentException(where + ": ARRAY needs a List, got " + v.getClass().getSimpleName());
            }
        }
        throw new AssertionError(t);
    }

    /** element type of a plain List from its first value (INT32 for an empty list) */
    static GgufValueType inferElementType(List<?> l, String where) {
        if (l instanceof GgufArray a) return a.elementType();
        if (l.isEmpty()) return GgufValueType.INT32;
        Object v = l.get(0);
        if (v instanceof String) return GgufValueType.STRING;
        if (v instanceof Boolean) return GgufValueType.BOOL;
        if (v instanceof Byte) return GgufValueType.INT8;
        if (v instanceof Short) return GgufValueType.INT16;
        if (v instanceof Integer) return GgufValueType.INT32;
        if (v instanceof Long) return GgufValueType.INT64;
        if (v instanceof Float) return GgufValueType.FLOAT32;
        if (v instanceof Double) return GgufValueType.FLOAT64;
        if (v instanceof List) return GgufValueType.ARRAY;
        throw new IllegalArgumentException(where + ": cannot infer a GGUF type for " + (v == null ? "null" : v.getClass().getSimpleName()));
    }
}
