package dev.lowbit.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a GGUF v3 file: metadata in insertion order, then tensor infos, then the tensor
 * data, each tensor aligned to {@link #alignment(int)} (default 32). Values are checked when
 * they are put, tensors when they are added, so {@link #write} only fails on I/O or on a
 * {@link TensorSource} that writes the wrong number of bytes.
 *
 * <p>Integer types accept any integral Number that fits the signed range of the width, or
 * for unsigned types the unsigned range (so a Byte -56 read from a UINT8 writes back as 200).
 */
public final class GgufWriter {
    /** the same as {@link dev.lowbit.gguf.TensorSource}, for callers that spell it GgufWriter.TensorSource */
    @FunctionalInterface
    public interface TensorSource extends dev.lowbit.gguf.TensorSource {}

    private record Entry(GgufValueType type, Object value) {}

    private record Tensor(String name, GgmlType type, long[] dims, long nbytes, ByteBuffer data, dev.lowbit.gguf.TensorSource source) {}

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private int alignment = GgufParser.DEFAULT_ALIGNMENT;

    public GgufWriter() {}

    /**
     * Sets key to a value of the given type (replacing an earlier value, keeping its place).
     * ARRAY values are a {@link GgufArray} or a List whose element type is inferred from its
     * first value; prefer {@link #putArray} to name the element type.
     *
     * @throws IllegalArgumentException if the value does not fit the type
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        Object v = Values.check(type, value, "metadata '" + key + "'");
        if (key.equals(GgufParser.ALIGNMENT_KEY)) {
            if (!type.isInteger()) throw new IllegalArgumentException(key + " must be an integer");
            setAlignment(MetadataAccess.toLong(type, v));
        }
        metadata.put(key, new Entry(type, v));
        return this;
    }

    public GgufWriter putString(String key, String v) {
        return put(key, GgufValueType.STRING, v);
    }

    public GgufWriter putU8(String key, int v) {
        return put(key, GgufValueType.UINT8, v);
    }

    public GgufWriter putI8(String key, int v) {
        return put(key, GgufValueType.INT8, v);
    }

    public GgufWriter putU16(String key, int v) {
        return put(key, GgufValueType.UINT16, v);
    }

    public GgufWriter putI16(String key, int v) {
        return put(key, GgufValueType.INT16, v);
    }

    public GgufWriter putU32(String key, long v) {
        return put(key, GgufValueType.UINT32, v);
    }

    public GgufWriter putI32(String key, int v) {
        return put(key, GgufValueType.INT32, v);
    }

    public GgufWriter putU64(String key, long v) {
        return put(key, GgufValueType.UINT64, v);
    }

    public GgufWriter putI64(String key, long v) {
        return put(key, GgufValueType.INT64, v);
    }

    public GgufWriter putF32(String key, float v) {
        return put(key, GgufValueType.FLOAT32, v);
    }

    public GgufWriter putF64(String key, double v) {
        return put(key, GgufValueType.FLOAT64, v);
    }

    public GgufWriter putBool(String key, boolean v) {
        return put(key, GgufValueType.BOOL, v);
    }

    /** an array of elemType; for elemType ARRAY each value is a GgufArray or a List */
    public GgufWriter putArray(String key, GgufValueType elemType, List<?> values) {
        return put(key, GgufValueType.ARRAY, GgufArray.of(elemType, values));
    }

    public GgufWriter putStringArray(String key, List<String> values) {
        return putArray(key, GgufValueType.STRING, values);
    }

    public GgufWriter putFloatArray(String key, float[] values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(GgufValueType.FLOAT32, values.clone(), values.length));
    }

    public GgufWriter putIntArray(String key, int[] values) {
        return put(key, GgufValueType.ARRAY, new GgufArray(GgufValueType.INT32, values.clone(), values.length));
    }

    /** copies every metadata entry of src with its exact type (general.alignment included) */
    public GgufWriter putAll(GgufFile src) {
        for (Map.Entry<String, Object> e : src.metadata().entrySet()) put(e.getKey(), src.metadataType(e.getKey()), e.getValue());
        return this;
    }

    public GgufWriter remove(String key) {
        if (key.equals(GgufParser.ALIGNMENT_KEY)) alignment = GgufParser.DEFAULT_ALIGNMENT;
        metadata.remove(key);
        return this;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    /** data alignment, a power of two; stored as general.alignment (UINT32) */
    public GgufWriter alignment(int a) {
        return put(GgufParser.ALIGNMENT_KEY, GgufValueType.UINT32, a);
    }

    private void setAlignment(long a) {
        if (a <= 0 || a > (1 << 30) || (a & (a - 1)) != 0) throw new IllegalArgumentException("alignment " + a + " is not a power of two in 1..2^30");
        alignment = (int) a;
    }

    /**
     * Adds a tensor whose bytes are the remaining bytes of data (copied by reference: do not
     * modify data before {@link #write}).
     *
     * @throws IllegalArgumentException for a bad shape, a duplicate name or a wrong byte count
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, ByteBuffer data) {
        long n = checkTensor(name, type, dims);
        if (data.remaining() != n) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.remaining() + " bytes given, " + type + " " + Arrays.toString(dims) + " needs " + n);
        }
        tensors.put(name, new Tensor(name, type, dims.clone(), n, data.slice(), null));
        return this;
    }

    /** adds a tensor whose bytes source writes during {@link #write} */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, dev.lowbit.gguf.TensorSource source) {
        long n = checkTensor(name, type, dims);
        tensors.put(name, new Tensor(name, type, dims.clone(), n, null, Objects.requireNonNull(source, "source")));
        return this;
    }

    /** bytes of a tensor of this type and shape (ggml order), validating the shape */
    public static long tensorBytes(GgmlType type, long[] dims) {
        Objects.requireNonNull(type, "type");
        if (dims == null || dims.length < 1 || dims.length > GgufParser.MAX_DIMS) {
            throw new IllegalArgumentException("a tensor has 1.." + GgufParser.MAX_DIMS + " dimensions, got " + (dims == null ? "null" : dims.length));
        }
        long rows = 1;
        for (int d = 0; d < dims.length; d++) {
            if (dims[d] <= 0) throw new IllegalArgumentException("dimension " + d + " of " + Arrays.toString(dims) + " is not positive");
            if (d > 0) rows = Math.multiplyExact(rows, dims[d]);
        }
        try {
            return Math.multiplyExact(type.rowBytes(dims[0]), rows);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("byte size of " + type + " " + Arrays.toString(dims) + " overflows");
        }
    }

    private long checkTensor(String name, GgmlType type, long[] dims) {
        Objects.requireNonNull(name, "name");
        if (tensors.containsKey(name)) throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        try {
            return tensorBytes(type, dims);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    /** writes the file (to a temporary sibling first, then moved into place) */
    public void write(Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                writeTo(ch);
            }
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void writeTo(FileChannel ch) throws IOException {
        Encoder h = new Encoder();
        h.u32(GgufParser.MAGIC);
        h.u32(3);
        h.u64(tensors.size());
        h.u64(metadata.size());
        for (Map.Entry<String, Entry> e : metadata.entrySet()) {
            h.string(e.getKey());
            h.u32(e.getValue().type().id());
            h.value(e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (Tensor t : tensors.values()) {
            h.string(t.name());
            h.u32(t.dims().length);
            for (long d : t.dims()) h.u64(d);
            h.u32(t.type().id());
            h.u64(offset);
            offsets.add(offset);
            offset = GgufParser.alignUp(offset + t.nbytes(), alignment);
        }
        long dataStart = GgufParser.alignUp(h.size(), alignment);
        h.pad(dataStart - h.size());
        writeFully(ch, h.bytes());
        long pos = dataStart;
        int i = 0;
        for (Tensor t : tensors.values()) {
            long want = dataStart + offsets.get(i++);
            writeFully(ch, ByteBuffer.allocate((int) (want - pos)));
            if (t.data() != null) {
                writeFully(ch, t.data().duplicate());
            } else {
                CountingChannel cc = new CountingChannel(ch);
                t.source().writeTo(cc);
                if (cc.count != t.nbytes()) {
                    throw new IOException("tensor '" + t.name() + "': source wrote " + cc.count + " bytes, expected " + t.nbytes());
                }
            }
            pos = want + t.nbytes();
        }
        long end = dataStart + offset;
        if (!tensors.isEmpty()) writeFully(ch, ByteBuffer.allocate((int) (end - pos)));
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** counts the bytes a TensorSource writes */
    private static final class CountingChannel implements WritableByteChannel {
        private final WritableByteChannel out;
        long count;

        CountingChannel(WritableByteChannel out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = out.write(src);
            count += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() {
            // the writer owns the file channel
        }
    }

    /** a growable little-endian byte buffer for the header */
    private static final class Encoder {
        private ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        private void room(int n) {
            if (b.remaining() >= n) return;
            long cap = Math.max((long) b.capacity() * 2, (long) b.position() + n);
            if (cap > Integer.MAX_VALUE - 8) throw new IllegalStateException("GGUF header over 2 GiB");
            ByteBuffer nb = ByteBuffer.allocate((int) cap).order(ByteOrder.LITTLE_ENDIAN);
            b.flip();
            nb.put(b);
            b = nb;
        }

        long size() {
            return b.position();
        }

        ByteBuffer bytes() {
            return b.duplicate().flip();
        }

        void u8(byte v) {
            room(1);
            b.put(v);
        }

        void u16(short v) {
            room(2);
            b.putShort(v);
        }

        void u32(int v) {
            room(4);
            b.putInt(v);
        }

        void u64(long v) {
            room(8);
            b.putLong(v);
        }

        void pad(long n) {
            room((int) n);
            for (long i = 0; i < n; i++) b.put((byte) 0);
        }

        void string(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            u64(u.length);
            room(u.length);
            b.put(u);
        }

        void value(GgufValueType t, Object v) {
            switch (t) {
                case UINT8, INT8 -> u8((Byte) v);
                case UINT16, INT16 -> u16((Short) v);
                case UINT32, INT32 -> u32((Integer) v);
                case UINT64, INT64 -> u64((Long) v);
                case FLOAT32 -> u32(Float.floatToRawIntBits((Float) v));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) v));
                case BOOL -> u8((byte) ((Boolean) v ? 1 : 0));
                case STRING -> string((String) v);
                case ARRAY -> {
                    GgufArray a = (GgufArray) v;
                    u32(a.elementType().id());
                    u64(a.size());
                    for (int i = 0; i < a.size(); i++) value(a.elementType(), a.get(i));
                }
            }
        }
    }
}
