package dev.lowbit.gguf;

import dev.lowbit.util.Printable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates a GGUF header (magic, version, metadata, tensor infos). Every count,
 * length, type id, shape and offset is checked against the file before it is used, so a
 * corrupt or hostile file ends in a {@link GgufFormatException}, never in a huge allocation,
 * an index error or a native crash later.
 */
final class GgufParser {
    static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_DIMS = 4;
    /** nested arrays deeper than this are rejected (bounds recursion on hostile input) */
    static final int MAX_ARRAY_DEPTH = 16;

    /** smallest possible encoding of one metadata entry: empty key, type, one-byte value */
    private static final int MIN_KV_BYTES = 8 + 4 + 1;
    /** smallest possible tensor info: empty name, n_dims, one dim, type, offset */
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

    int version;
    long alignment = DEFAULT_ALIGNMENT;
    long dataOffset;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    final Map<String, GgufValueType> types = new LinkedHashMap<>();
    final List<TensorInfo> tensors = new ArrayList<>();

    record TensorInfo(String name, GgmlType type, long[] dims, long offset, long nbytes) {}

    private final HeaderReader in;

    GgufParser(HeaderReader in) {
        this.in = in;
    }

    void parse() throws IOException {
        if (in.fileSize() < 4) throw new GgufFormatException("not a GGUF file: only " + in.fileSize() + " bytes");
        int magic = in.u32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException(String.format("not a GGUF file: magic at offset 0 is 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
        }
        version = in.u32("version");
        if (version == 1) throw new GgufFormatException("GGUF version 1 at offset 4 is not supported (only versions 2 and 3)");
        if (version != 2 && version != 3) {
            String hint = (version & 0xFFFF) == 0 && version != 0 ? " (a big-endian GGUF file?)" : "";
            throw new GgufFormatException("unsupported GGUF version " + Integer.toUnsignedLong(version) + " at offset 4" + hint + "; only versions 2 and 3 are read");
        }
        long tensorCountAt = in.position();
        long tensorCount = in.u64("tensor count");
        long kvCountAt = in.position();
        long kvCount = in.u64("metadata count");
        checkCount(tensorCount, MIN_TENSOR_INFO_BYTES, "tensor count", tensorCountAt);
        checkCount(kvCount, MIN_KV_BYTES, "metadata count", kvCountAt);

        for (long i = 0; i < kvCount; i++) readKeyValue(i);
        readAlignment();

        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            TensorInfo t = readTensorInfo(i);
            if (!names.add(t.name())) throw new GgufFormatException("duplicate tensor name " + q(t.name()) + " (tensor info " + i + ")");
            tensors.add(t);
        }
        long end = in.position();
        dataOffset = alignUp(end, alignment);
        checkTensorPlacement();
    }

    private void checkCount(long count, int minBytes, String what, long at) throws GgufFormatException {
        // each entry needs at least minBytes, so a count the file cannot hold is rejected up front
        if (count < 0 || count > in.remaining() / minBytes) {
            throw new GgufFormatException(what + " " + Long.toUnsignedString(count) + " at offset " + at
                    + " is impossible: the " + in.remaining() + " bytes left in the file hold at most " + in.remaining() / minBytes);
        }
    }

    private void readKeyValue(long index) throws IOException {
        long at = in.position();
        String key = in.string("key of metadata entry " + index);
        if (metadata.containsKey(key)) throw new GgufFormatException("duplicate metadata key " + q(key) + " at offset " + at);
        long typeAt = in.position();
        int typeId = in.u32("type of metadata " + q(key));
        GgufValueType type = GgufValueType.fromIdOrNull(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw new GgufFormatException("metadata " + q(key) + " has unknown value type " + Integer.toUnsignedLong(typeId) + " at offset " + typeAt);
        }
        Object value = readValue(type, "metadata " + q(key), key, 0);
        metadata.put(key, value);
        types.put(key, type);
    }

    /** what names the value in error messages; computed once per entry, not per element */
    private Object readValue(GgufValueType type, String what, String key, int depth) throws IOException {
        return switch (type) {
            case UINT8, INT8 -> in.u8(what);
            case UINT16, INT16 -> in.u16(what);
            case UINT32, INT32 -> in.u32(what);
            case UINT64, INT64 -> in.u64(what);
            case FLOAT32 -> in.f32(what);
            case FLOAT64 -> in.f64(what);
            case BOOL -> readBool(what);
            case STRING -> in.string(what);
            case ARRAY -> readArray(key, depth + 1);
        };
    }

    private Boolean readBool(String what) throws IOException {
        long at = in.position();
        byte b = in.u8(what);
        if (b != 0 && b != 1) throw new GgufFormatException(what + ": boolean byte " + (b & 0xFF) + " at offset " + at + " is neither 0 nor 1");
        return b == 1;
    }

    private GgufArray readArray(String key, int depth) throws IOException {
        String what = "array " + q(key);
        if (depth > MAX_ARRAY_DEPTH) throw new GgufFormatException(what + " nests arrays deeper than " + MAX_ARRAY_DEPTH + " levels at offset " + in.position());
        long typeAt = in.position();
        int typeId = in.u32("element type of " + what);
        GgufValueType et = GgufValueType.fromIdOrNull(Integer.toUnsignedLong(typeId));
        if (et == null) throw new GgufFormatException(what + " has unknown element type " + Integer.toUnsignedLong(typeId) + " at offset " + typeAt);
        long countAt = in.position();
        long count = in.u64("length of " + what);
        if (count < 0 || count > in.remaining() / et.minSize()) {
            throw new GgufFormatException("length " + Long.toUnsignedString(count) + " of " + what + " at offset " + countAt
                    + " exceeds what the " + in.remaining() + " bytes left in the file can hold");
        }
        if (count > Integer.MAX_VALUE - 8) throw new GgufFormatException("length " + count + " of " + what + " at offset " + countAt + " is too large");
        int n = (int) count;
        // grow as elements are actually read: memory stays proportional to bytes consumed
        int cap = Math.min(n, 1 << 16);
        Object backing = GgufArray.allocate(et, cap);
        for (int i = 0; i < n; i++) {
            if (i == cap) {
                cap = (int) Math.min(n, 2L * cap);
                backing = grow(backing, cap);
            }
            Object v = readValue(et, what, key, depth);
            GgufArray.set(et, backing, i, v);
        }
        return new GgufArray(et, backing, n);
    }

    private static Object grow(Object a, int cap) {
        if (a instanceof byte[] x) return Arrays.copyOf(x, cap);
        if (a instanceof short[] x) return Arrays.copyOf(x, cap);
        if (a instanceof int[] x) return Arrays.copyOf(x, cap);
        if (a instanceof long[] x) return Arrays.copyOf(x, cap);
        if (a instanceof float[] x) return Arrays.copyOf(x, cap);
        if (a instanceof double[] x) return Arrays.copyOf(x, cap);
        if (a instanceof boolean[] x) return Arrays.copyOf(x, cap);
        return Arrays.copyOf((Object[]) a, cap);
    }

    private void readAlignment() throws GgufFormatException {
        if (!metadata.containsKey(ALIGNMENT_KEY)) return;
        GgufValueType t = types.get(ALIGNMENT_KEY);
        if (!t.isInteger()) throw new GgufFormatException("metadata '" + ALIGNMENT_KEY + "' has type " + t + ", expected an integer");
        long a = MetadataAccess.toLong(t, metadata.get(ALIGNMENT_KEY));
        if (a <= 0 || (a & (a - 1)) != 0 || a > (1 << 30)) {
            throw new GgufFormatException("metadata '" + ALIGNMENT_KEY + "' = " + Long.toUnsignedString(a) + " is not a power of two in 1..2^30");
        }
        alignment = a;
    }

    private TensorInfo readTensorInfo(long index) throws IOException {
        long at = in.position();
        String name = in.string("name of tensor info " + index);
        String where = "tensor " + q(name) + " (info " + index + " at offset " + at + ")";
        int nDims = in.u32("dimension count of " + where);
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw new GgufFormatException(where + ": dimension count " + Integer.toUnsignedLong(nDims) + " is not in 1.." + MAX_DIMS);
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            dims[d] = in.u64("dimension " + d + " of " + where);
            if (dims[d] <= 0) throw new GgufFormatException(where + ": dimension " + d + " is " + Long.toUnsignedString(dims[d]) + ", must be positive");
            if (elements > Long.MAX_VALUE / dims[d]) throw new GgufFormatException(where + ": element count of shape " + Arrays.toString(dims) + " overflows");
            elements *= dims[d];
        }
        long typeAt = in.position();
        int typeId = in.u32("type of " + where);
        GgmlType type = GgmlType.fromIdOrNull(Integer.toUnsignedLong(typeId));
        if (type == null) throw new GgufFormatException(where + ": unknown ggml type id " + Integer.toUnsignedLong(typeId) + " at offset " + typeAt);
        if (dims[0] % type.blockSize() != 0) {
            throw new GgufFormatException(where + ": row length " + dims[0] + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long nbytes;
        try {
            nbytes = Math.multiplyExact(type.rowBytes(dims[0]), elements / dims[0]);
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw new GgufFormatException(where + ": byte size of " + type + " shape " + Arrays.toString(dims) + " overflows");
        }
        long offset = in.u64("data offset of " + where);
        if (offset < 0 || offset % alignment != 0) {
            throw new GgufFormatException(where + ": data offset " + Long.toUnsignedString(offset) + " is not a multiple of the alignment " + alignment);
        }
        return new TensorInfo(name, type, dims, offset, nbytes);
    }

    private void checkTensorPlacement() throws GgufFormatException {
        if (tensors.isEmpty()) return;
        long size = in.fileSize();
        for (TensorInfo t : tensors) {
            if (t.offset() > size - dataOffset || t.nbytes() > size - dataOffset - t.offset()) {
                throw new GgufFormatException("tensor " + q(t.name()) + ": data [" + Long.toUnsignedString(dataOffset + t.offset()) + ", +" + t.nbytes()
                        + ") lies outside the file of " + size + " bytes (data section starts at " + dataOffset + ")");
            }
        }
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            TensorInfo a = byOffset.get(i - 1), b = byOffset.get(i);
            if (a.offset() + a.nbytes() > b.offset()) {
                throw new GgufFormatException("tensor " + q(a.name()) + " [" + a.offset() + ", +" + a.nbytes() + ") overlaps tensor "
                        + q(b.name()) + " at " + b.offset() + " (offsets relative to the data section)");
            }
        }
    }

    /** a name or key from the file, quoted for a message: escaped and cut (it may be hostile) */
    static String q(String fromFile) {
        return "'" + Printable.of(fromFile) + "'";
    }

    static long alignUp(long x, long a) {
        return (x + a - 1) / a * a;
    }
}
