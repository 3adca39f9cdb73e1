package dev.lowbit.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A test-side map of where each field of an intact GGUF file lies, written independently of
 * the reader, so that corruption tests can hit every kind of field on purpose.
 */
final class GgufLayout {
    enum Kind {
        MAGIC, VERSION, TENSOR_COUNT, KV_COUNT, KEY_LEN, VALUE_TYPE, SCALAR, BOOL, STRING_LEN,
        ARRAY_TYPE, ARRAY_LEN, ALIGNMENT_VALUE, NAME_LEN, N_DIMS, DIM, TENSOR_TYPE, TENSOR_OFFSET
    }

    record Field(Kind kind, long offset, int size, long value) {}

    final List<Field> fields = new ArrayList<>();
    final Map<Kind, List<Field>> byKind = new EnumMap<>(Kind.class);
    long kvEnd;
    long headerEnd;
    long dataOffset;
    long alignment = 32;
    /** end of the last byte a valid file must contain: the last tensor's data, or the header */
    long requiredEnd;
    final List<long[]> tensorSpans = new ArrayList<>(); // absolute [start, end)

    private final ByteBuffer b;

    private GgufLayout(byte[] file) {
        b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    }

    static GgufLayout of(byte[] file) {
        GgufLayout l = new GgufLayout(file);
        l.parse();
        return l;
    }

    private long field(Kind k, int size) {
        long at = b.position();
        long v = switch (size) {
            case 1 -> b.get() & 0xFF;
            case 2 -> b.getShort() & 0xFFFF;
            case 4 -> b.getInt() & 0xFFFFFFFFL;
            default -> b.getLong();
        };
        Field f = new Field(k, at, size, v);
        fields.add(f);
        byKind.computeIfAbsent(k, x -> new ArrayList<>()).add(f);
        return v;
    }

    private String string(Kind lenKind) {
        int n = (int) field(lenKind, 8);
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void parse() {
        field(Kind.MAGIC, 4);
        field(Kind.VERSION, 4);
        long nt = field(Kind.TENSOR_COUNT, 8);
        long nkv = field(Kind.KV_COUNT, 8);
        for (long i = 0; i < nkv; i++) {
            String key = string(Kind.KEY_LEN);
            int type = (int) field(Kind.VALUE_TYPE, 4);
            if (key.equals("general.alignment")) {
                alignment = field(Kind.ALIGNMENT_VALUE, 4);
            } else {
                value(type);
            }
        }
        kvEnd = b.position();
        long[][] infos = new long[(int) nt][];
        for (int i = 0; i < nt; i++) {
            string(Kind.NAME_LEN);
            int nd = (int) field(Kind.N_DIMS, 4);
            long elements = 1;
            long d0 = 0;
            for (int d = 0; d < nd; d++) {
                long v = field(Kind.DIM, 8);
                if (d == 0) d0 = v;
                elements *= v;
            }
            GgmlType t = GgmlType.fromIdOrNull(field(Kind.TENSOR_TYPE, 4));
            long off = field(Kind.TENSOR_OFFSET, 8);
            infos[i] = new long[] {off, t.rowBytes(d0) * (elements / d0)};
        }
        headerEnd = b.position();
        dataOffset = (headerEnd + alignment - 1) / alignment * alignment;
        requiredEnd = headerEnd;
        for (long[] in : infos) {
            long start = dataOffset + in[0], end = start + in[1];
            tensorSpans.add(new long[] {start, end});
            requiredEnd = Math.max(requiredEnd, end);
        }
    }

    private void value(int type) {
        switch (type) {
            case 0, 1 -> field(Kind.SCALAR, 1);
            case 2, 3 -> field(Kind.SCALAR, 2);
            case 4, 5, 6 -> field(Kind.SCALAR, 4);
            case 10, 11, 12 -> field(Kind.SCALAR, 8);
            case 7 -> field(Kind.BOOL, 1);
            case 8 -> string(Kind.STRING_LEN);
            case 9 -> {
                int et = (int) field(Kind.ARRAY_TYPE, 4);
                long n = field(Kind.ARRAY_LEN, 8);
                for (long i = 0; i < n; i++) value(et);
            }
            default -> throw new IllegalStateException("bad test input: type " + type);
        }
    }

    /** up to n fields of a kind, spread evenly over the file (first and last included) */
    List<Field> sample(Kind k, int n) {
        List<Field> all = byKind.getOrDefault(k, List.of());
        if (all.size() <= n) return all;
        if (n == 1) return List.of(all.get(all.size() / 2));
        List<Field> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(all.get((int) ((long) i * (all.size() - 1) / (n - 1))));
        return out;
    }
}
