package dev.lowbit.gguf;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A GGUF metadata array: an immutable {@code List<Object>} that also knows its element type,
 * so that nested arrays keep their inner types when copied to a {@link GgufWriter}.
 * Numeric arrays are held as primitive arrays (a 150k-entry vocabulary score array costs
 * 600 KB, not 150k boxed objects); {@link #get} boxes on access into the same Java types as
 * scalar metadata values (unsigned values kept in the signed type of the same width).
 */
public final class GgufArray extends AbstractList<Object> implements RandomAccess {
    private final GgufValueType elementType;
    private final Object backing; // byte[] short[] int[] long[] float[] double[] boolean[] String[] GgufArray[]
    private final int size;

    GgufArray(GgufValueType elementType, Object backing, int size) {
        this.elementType = elementType;
        this.backing = backing;
        this.size = size;
    }

    /**
     * An array of {@code values} with the given element type. Values are checked and converted
     * as by {@link GgufWriter#put}; for element type ARRAY each value must be a GgufArray or a
     * List (whose element type is then inferred from its first value).
     *
     * @throws IllegalArgumentException if a value does not fit the element type
     */
    public static GgufArray of(GgufValueType elementType, List<?> values) {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(values, "values");
        if (values instanceof GgufArray a && a.elementType == elementType) return a;
        int n = values.size();
        Object backing = allocate(elementType, n);
        for (int i = 0; i < n; i++) set(elementType, backing, i, Values.check(elementType, values.get(i), "[" + i + "]"));
        return new GgufArray(elementType, backing, n);
    }

    static Object allocate(GgufValueType t, int n) {
        return switch (t) {
            case UINT8, INT8 -> new byte[n];
            case UINT16, INT16 -> new short[n];
            case UINT32, INT32 -> new int[n];
            case UINT64, INT64 -> new long[n];
            case FLOAT32 -> new float[n];
            case FLOAT64 -> new double[n];
            case BOOL -> new boolean[n];
            case STRING -> new String[n];
            case ARRAY -> new GgufArray[n];
        };
    }

    /** stores an already checked value (the Java type that {@link Values#check} returns) */
    static void set(GgufValueType t, Object backing, int i, Object v) {
        switch (t) {
            case UINT8, INT8 -> ((byte[]) backing)[i] = (Byte) v;
            case UINT16, INT16 -> ((short[]) backing)[i] = (Short) v;
            case UINT32, INT32 -> ((int[]) backing)[i] = (Integer) v;
            case UINT64, INT64 -> ((long[]) backing)[i] = (Long) v;
            case FLOAT32 -> ((float[]) backing)[i] = (Float) v;
            case FLOAT64 -> ((double[]) backing)[i] = (Double) v;
            case BOOL -> ((boolean[]) backing)[i] = (Boolean) v;
            case STRING -> ((String[]) backing)[i] = (String) v;
            case ARRAY -> ((GgufArray[]) backing)[i] = (GgufArray) v;
        }
    }

    public GgufValueType elementType() {
        return elementType;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Object get(int i) {
        Objects.checkIndex(i, size);
        return switch (elementType) {
            case UINT8, INT8 -> ((byte[]) backing)[i];
            case UINT16, INT16 -> ((short[]) backing)[i];
            case UINT32, INT32 -> ((int[]) backing)[i];
            case UINT64, INT64 -> ((long[]) backing)[i];
            case FLOAT32 -> ((float[]) backing)[i];
            case FLOAT64 -> ((double[]) backing)[i];
            case BOOL -> ((boolean[]) backing)[i];
            case STRING -> ((String[]) backing)[i];
            case ARRAY -> ((GgufArray[]) backing)[i];
        };
    }

    /** element i as an integer, unsigned types zero-extended; only for integer element types */
    long getLongValue(int i) {
        Objects.checkIndex(i, size);
        return switch (elementType) {
            case UINT8 -> Byte.toUnsignedLong(((byte[]) backing)[i]);
            case INT8 -> ((byte[]) backing)[i];
            case UINT16 -> Short.toUnsignedLong(((short[]) backing)[i]);
            case INT16 -> ((short[]) backing)[i];
            case UINT32 -> Integer.toUnsignedLong(((int[]) backing)[i]);
            case INT32 -> ((int[]) backing)[i];
            case UINT64, INT64 -> ((long[]) backing)[i];
            default -> throw new IllegalStateException("not an integer array: " + elementType);
        };
    }

    /** the backing String[] (not copied); only for STRING arrays */
    String[] strings() {
        return (String[]) backing;
    }

    /** the backing float[] (not copied); only for FLOAT32 arrays */
    float[] floats() {
        return (float[]) backing;
    }

    /** the backing int[] (not copied); only for INT32/UINT32 arrays */
    int[] ints() {
        return (int[]) backing;
    }
}
