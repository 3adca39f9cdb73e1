package dev.lowbit.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An open GGUF file (versions 2 and 3): validated metadata and tensor index, with each
 * tensor's bytes memory-mapped read-only (one mapping per tensor, so files over 2 GiB work;
 * a single tensor over 2 GiB is indexed but its data() fails).
 *
 * <p>Metadata values are Java objects by type: UINT8/INT8 → Byte, UINT16/INT16 → Short,
 * UINT32/INT32 → Integer, UINT64/INT64 → Long (unsigned values are kept in the signed Java
 * type of the same width: a UINT8 of 200 is the Byte -56; the typed getters below convert
 * unsigned values correctly), FLOAT32 → Float, FLOAT64 → Double, BOOL → Boolean,
 * STRING → String, ARRAY → {@link GgufArray} (a {@code List<Object>}; nested arrays are
 * lists of lists).
 *
 * <p>Getters without a default throw IllegalArgumentException naming the key when it is
 * missing; all getters throw IllegalArgumentException when the stored type does not fit.
 * Array getters return null when the key is absent.
 */
public final class GgufFile implements AutoCloseable {
    private final Path path;
    private final long fileSize;
    private final int version;
    private final long alignment;
    private final long dataOffset;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType> types;
    private final List<GgufTensor> tensors;
    private final Map<String, GgufTensor> byName;
    private volatile boolean closed;

    private GgufFile(Path path, long fileSize, GgufParser p, FileChannel ch) throws IOException {
        this.path = path;
        this.fileSize = fileSize;
        this.version = p.version;
        this.alignment = p.alignment;
        this.dataOffset = p.dataOffset;
        this.metadata = Collections.unmodifiableMap(p.metadata);
        this.types = p.types;
        GgufTensor[] ts = new GgufTensor[p.tensors.size()];
        Map<String, GgufTensor> names = new LinkedHashMap<>();
        for (int i = 0; i < ts.length; i++) {
            GgufParser.TensorInfo t = p.tensors.get(i);
            long abs = dataOffset + t.offset();
            // a Java mapping holds at most 2 GiB: a larger tensor is indexed, its data() fails
            ByteBuffer map = t.nbytes() <= Integer.MAX_VALUE ? ch.map(FileChannel.MapMode.READ_ONLY, abs, t.nbytes()) : null;
            ts[i] = new GgufTensor(this, t.name(), t.type(), t.dims(), abs, t.nbytes(), map);
            names.put(t.name(), ts[i]);
        }
        this.tensors = List.of(ts);
        this.byName = names;
    }

    /**
     * Opens, validates and maps a GGUF file. The file handle is closed before this returns
     * (the mappings do not need it), so an unclosed GgufFile leaks no descriptor and no
     * interrupted thread can close a shared channel under other readers.
     *
     * @throws GgufFormatException if the content is not a valid GGUF v2/v3 file
     * @throws java.nio.file.NoSuchFileException and other IOExceptions for unreadable files
     */
    public static GgufFile open(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            GgufParser p = new GgufParser(new HeaderReader(ch, size));
            try {
                p.parse();
            } catch (GgufFormatException e) {
                throw new GgufFormatException(path + ": " + e.getMessage(), e.getCause());
            }
            return new GgufFile(path, size, p, ch);
        }
    }

    public Path path() {
        return path;
    }

    public long fileSize() {
        return fileSize;
    }

    public int version() {
        return version;
    }

    /** the data alignment: general.alignment, or 32 */
    public long alignment() {
        return alignment;
    }

    /** absolute file offset of the data section (tensor offsets in the file are relative to it) */
    public long dataOffset() {
        return dataOffset;
    }

    /** all metadata, in file order, unmodifiable (value types: see the class comment) */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** the stored type of a key, or null if absent */
    public GgufValueType metadataType(String key) {
        return types.get(key);
    }

    /** the element type of an array key, or null if absent or not an array */
    public GgufValueType arrayElementType(String key) {
        return metadata.get(key) instanceof GgufArray a ? a.elementType() : null;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String getString(String key) {
        return (String) require(key, GgufValueType.STRING);
    }

    public String getString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    /** any integer type; UINT64 values over Long.MAX_VALUE are rejected */
    public long getLong(String key) {
        Object v = present(key);
        GgufValueType t = types.get(key);
        if (!t.isInteger()) throw wrongType(key, "an integer");
        long x = MetadataAccess.toLong(t, v);
        if (t == GgufValueType.UINT64 && x < 0) throw new IllegalArgumentException("metadata '" + key + "' = " + Long.toUnsignedString(x) + " does not fit a long");
        return x;
    }

    public long getLong(String key, long dflt) {
        return has(key) ? getLong(key) : dflt;
    }

    /**
     * Any integer type whose value fits an int. A UINT32 is returned as its 32 bits, so the
     * ggml "none" token id 0xFFFFFFFF reads as -1.
     */
    public int getInt(String key) {
        Object v = present(key);
        if (types.get(key) == GgufValueType.UINT32) return (Integer) v;
        long x = getLong(key);
        if (x != (int) x) throw new IllegalArgumentException("metadata '" + key + "' = " + x + " does not fit an int");
        return (int) x;
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    /** FLOAT32, FLOAT64 (narrowed) or any integer type */
    public float getFloat(String key) {
        Object v = present(key);
        GgufValueType t = types.get(key);
        if (t == GgufValueType.FLOAT32 || t == GgufValueType.FLOAT64) return ((Number) v).floatValue();
        if (t.isInteger()) return t == GgufValueType.UINT64 && (Long) v < 0 ? unsignedToFloat((Long) v) : (float) MetadataAccess.toLong(t, v);
        throw wrongType(key, "a number");
    }

    public float getFloat(String key, float dflt) {
        return has(key) ? getFloat(key) : dflt;
    }

    public boolean getBool(String key) {
        return (Boolean) require(key, GgufValueType.BOOL);
    }

    public boolean getBool(String key, boolean dflt) {
        return has(key) ? getBool(key) : dflt;
    }

    /** a STRING array as a new String[], or null if absent */
    public String[] getStringArray(String key) {
        GgufArray a = array(key);
        if (a == null) return null;
        if (a.elementType() != GgufValueType.STRING) throw wrongType(key, "an array of STRING");
        return a.strings().clone();
    }

    /** an array of numbers (any float or integer element type) as a new float[], or null if absent */
    public float[] getFloatArray(String key) {
        GgufArray a = array(key);
        if (a == null) return null;
        GgufValueType et = a.elementType();
        if (et == GgufValueType.FLOAT32) return a.floats().clone();
        float[] out = new float[a.size()];
        if (et == GgufValueType.FLOAT64) {
            for (int i = 0; i < out.length; i++) out[i] = ((Double) a.get(i)).floatValue();
        } else if (et.isInteger()) {
            for (int i = 0; i < out.length; i++) out[i] = a.getLongValue(i);
        } else {
            throw wrongType(key, "an array of numbers");
        }
        return out;
    }

    /**
     * An array of integers whose values fit an int (UINT32 elements as their 32 bits), as a
     * new int[], or null if absent.
     */
    public int[] getIntArray(String key) {
        GgufArray a = array(key);
        if (a == null) return null;
        GgufValueType et = a.elementType();
        if (et == GgufValueType.INT32 || et == GgufValueType.UINT32) return a.ints().clone(); // UINT32 as its bits, like getInt
        if (!et.isInteger()) throw wrongType(key, "an array of integers");
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            long x = a.getLongValue(i);
            if (x != (int) x) throw new IllegalArgumentException("metadata '" + key + "'[" + i + "] = " + Long.toUnsignedString(x) + " does not fit an int");
            out[i] = (int) x;
        }
        return out;
    }

    /** the array stored under key (any element type), or null if absent */
    public GgufArray getArray(String key) {
        return array(key);
    }

    public List<GgufTensor> tensors() {
        return tensors;
    }

    /** the tensor of that name, or null */
    public GgufTensor tensor(String name) {
        return byName.get(name);
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Drops this file's references to the tensor mappings (the OS unmaps them once no data()
     * view is reachable); data() and address() then fail. Metadata stays readable. Safe to
     * call twice.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (GgufTensor t : tensors) t.release();
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }

    private Object present(String key) {
        Object v = metadata.get(key);
        if (v == null) throw new IllegalArgumentException("metadata key '" + key + "' is missing in " + path);
        return v;
    }

    private Object require(String key, GgufValueType t) {
        Object v = present(key);
        if (types.get(key) != t) throw wrongType(key, t.toString());
        return v;
    }

    private GgufArray array(String key) {
        Object v = metadata.get(key);
        if (v == null) return null;
        if (!(v instanceof GgufArray a)) throw wrongType(key, "an array");
        return a;
    }

    private IllegalArgumentException wrongType(String key, String expected) {
        GgufValueType t = types.get(key);
        String et = t == GgufValueType.ARRAY ? " of " + arrayElementType(key) : "";
        return new IllegalArgumentException("metadata '" + key + "' has type " + t + et + ", expected " + expected + " (" + path + ")");
    }

    private static float unsignedToFloat(long x) {
        return (float) (((x >>> 1) | (x & 1)) * 2.0);
    }
}
