package dev.lowbit.gguf;

import static dev.lowbit.gguf.GgufTestSupport.randomBytes;
import static dev.lowbit.gguf.GgufTestSupport.toArray;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** reader(writer(x)) == x for every metadata type, nested arrays and every tensor type. */
class GgufWriterTest {
    @TempDir
    Path dir;

    /** one metadata entry of the round trip: what is put, and the Java value expected back */
    private record Kv(String key, GgufValueType type, Object put, Object expected) {}

    private static List<Kv> everyValueType() {
        List<Kv> kvs = new ArrayList<>();
        kvs.add(new Kv("u8.max", GgufValueType.UINT8, 255, (byte) -1));
        kvs.add(new Kv("u8.mid", GgufValueType.UINT8, 200, (byte) 200));
        kvs.add(new Kv("i8.min", GgufValueType.INT8, -128, (byte) -128));
        kvs.add(new Kv("u16.max", GgufValueType.UINT16, 65535, (short) -1));
        kvs.add(new Kv("i16.min", GgufValueType.INT16, (short) -32768, (short) -32768));
        kvs.add(new Kv("u32.max", GgufValueType.UINT32, 0xFFFFFFFFL, -1));
        kvs.add(new Kv("i32.min", GgufValueType.INT32, Integer.MIN_VALUE, Integer.MIN_VALUE));
        kvs.add(new Kv("u64.max", GgufValueType.UINT64, -1L, -1L));
        kvs.add(new Kv("i64.min", GgufValueType.INT64, Long.MIN_VALUE, Long.MIN_VALUE));
        kvs.add(new Kv("f32.nan", GgufValueType.FLOAT32, Float.NaN, Float.NaN));
        kvs.add(new Kv("f32.negzero", GgufValueType.FLOAT32, -0.0f, -0.0f));
        kvs.add(new Kv("f32.pi", GgufValueType.FLOAT32, 3.14159f, 3.14159f));
        kvs.add(new Kv("f64.tiny", GgufValueType.FLOAT64, Double.MIN_VALUE, Double.MIN_VALUE));
        kvs.add(new Kv("f64.from.int", GgufValueType.FLOAT64, 3, 3.0));
        kvs.add(new Kv("bool.true", GgufValueType.BOOL, true, true));
        kvs.add(new Kv("bool.false", GgufValueType.BOOL, false, false));
        kvs.add(new Kv("str.empty", GgufValueType.STRING, "", ""));
        kvs.add(new Kv("str.unicode", GgufValueType.STRING, "héllo 世界 🦙\n\u0000", "héllo 世界 🦙\n\u0000"));
        kvs.add(new Kv("arr.empty", GgufValueType.ARRAY, GgufArray.of(GgufValueType.FLOAT32, List.of()), List.of()));
        kvs.add(new Kv("arr.strings", GgufValueType.ARRAY, List.of("a", "", "ü"), List.of("a", "", "ü")));
        kvs.add(new Kv("arr.ints", GgufValueType.ARRAY, List.of(1, -2, 3), List.of(1, -2, 3)));
        kvs.add(new Kv("arr.longs", GgufValueType.ARRAY, List.of(1L, Long.MAX_VALUE), List.of(1L, Long.MAX_VALUE)));
        kvs.add(new Kv("arr.floats", GgufValueType.ARRAY, List.of(1.5f, -0.0f), List.of(1.5f, -0.0f)));
        kvs.add(new Kv("arr.doubles", GgufValueType.ARRAY, List.of(1.5, 2.5), List.of(1.5, 2.5)));
        kvs.add(new Kv("arr.bools", GgufValueType.ARRAY, List.of(true, false, true), List.of(true, false, true)));
        kvs.add(new Kv("arr.bytes", GgufValueType.ARRAY, List.of((byte) 1, (byte) -1), List.of((byte) 1, (byte) -1)));
        kvs.add(new Kv("arr.shorts", GgufValueType.ARRAY, List.of((short) 7), List.of((short) 7)));
        for (GgufValueType et : GgufValueType.values()) {
            if (et == GgufValueType.ARRAY || et == GgufValueType.STRING || et == GgufValueType.BOOL) continue;
            kvs.add(new Kv("arr.typed." + et, GgufValueType.ARRAY, GgufArray.of(et, List.of(0, 1, 100)), null));
        }
        GgufArray inner1 = GgufArray.of(GgufValueType.UINT16, List.of(1, 65535));
        GgufArray inner2 = GgufArray.of(GgufValueType.STRING, List.of("x", "yz"));
        GgufArray nested = GgufArray.of(GgufValueType.ARRAY, List.of(inner1, inner2, GgufArray.of(GgufValueType.ARRAY, List.of(inner2))));
        kvs.add(new Kv("arr.nested", GgufValueType.ARRAY, nested,
                List.of(List.of((short) 1, (short) -1), List.of("x", "yz"), List.of(List.of("x", "yz")))));
        return kvs;
    }

    @Test
    void everyValueTypeRoundTrips() throws Exception {
        GgufWriter w = new GgufWriter();
        List<Kv> kvs = everyValueType();
        for (Kv kv : kvs) w.put(kv.key(), kv.type(), kv.put());
        Path p = dir.resolve("values.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(kvs.size(), f.metadata().size());
            assertEquals(kvs.stream().map(Kv::key).toList(), new ArrayList<>(f.metadata().keySet()), "insertion order");
            for (Kv kv : kvs) {
                assertEquals(kv.type(), f.metadataType(kv.key()), kv.key());
                Object got = f.metadata().get(kv.key());
                if (kv.expected() != null) {
                    assertEquals(kv.expected(), got, kv.key());
                    if (!(kv.expected() instanceof List)) assertEquals(kv.expected().getClass(), got.getClass(), kv.key());
                }
            }
            for (GgufValueType et : GgufValueType.values()) {
                if (et == GgufValueType.ARRAY || et == GgufValueType.STRING || et == GgufValueType.BOOL) continue;
                String key = "arr.typed." + et;
                assertEquals(et, f.arrayElementType(key), key);
                assertArrayEquals(new float[] {0, 1, 100}, f.getFloatArray(key), key);
                assertArrayEquals(et.isInteger() ? new int[] {0, 1, 100} : null, et.isInteger() ? f.getIntArray(key) : null, key);
            }
            GgufArray nested = f.getArray("arr.nested");
            assertEquals(GgufValueType.ARRAY, nested.elementType());
            assertEquals(GgufValueType.UINT16, ((GgufArray) nested.get(0)).elementType());
            assertEquals(GgufValueType.STRING, ((GgufArray) nested.get(1)).elementType());
            assertEquals(GgufValueType.ARRAY, ((GgufArray) nested.get(2)).elementType());
            // typed getters see unsigned values correctly
            assertEquals(255, f.getInt("u8.max"));
            assertEquals(200L, f.getLong("u8.mid"));
            assertEquals(65535, f.getInt("u16.max"));
            assertEquals(-1, f.getInt("u32.max"));
            assertEquals(0xFFFFFFFFL, f.getLong("u32.max"));
            assertThrows(IllegalArgumentException.class, () -> f.getLong("u64.max"));
            assertEquals(1.8446744e19f, f.getFloat("u64.max"), 1e13f);
            assertThrows(IllegalArgumentException.class, () -> f.getInt("i64.min"));
            assertEquals(3.0f, f.getFloat("f64.from.int"));
            assertTrue(f.getBool("bool.true", false));
            assertArrayEquals(new int[] {1, -1}, f.getIntArray("arr.bytes"));
        }
    }

    /** the strongest round trip: copying a file through reader and writer reproduces its bytes */
    @ParameterizedTest
    @ValueSource(ints = {32, 64, 1, 4096})
    void copyReproducesTheFileByteForByte(int alignment) throws Exception {
        Random rnd = new Random(alignment);
        GgufWriter w = new GgufWriter().alignment(alignment);
        for (Kv kv : everyValueType()) w.put(kv.key(), kv.type(), kv.put());
        Map<String, byte[]> data = new LinkedHashMap<>();
        for (GgmlType t : GgmlType.values()) {
            long[] dims = switch (t.ordinal() % 4) {
                case 0 -> new long[] {2L * t.blockSize()};
                case 1 -> new long[] {t.blockSize(), 3};
                case 2 -> new long[] {t.blockSize(), 2, 3};
                default -> new long[] {3L * t.blockSize(), 1, 2, 2};
            };
            ByteBuffer b = randomBytes(rnd, (int) GgufWriter.tensorBytes(t, dims));
            data.put("t." + t, toArray(b));
            w.addTensor("t." + t, t, dims, b);
        }
        Path a = dir.resolve("a.gguf");
        w.write(a);
        Path b = dir.resolve("b.gguf");
        try (GgufFile f = GgufFile.open(a)) {
            assertEquals(alignment, f.alignment());
            assertEquals(0, f.dataOffset() % alignment);
            assertEquals(GgmlType.values().length, f.tensors().size());
            GgufWriter copy = new GgufWriter().putAll(f);
            for (GgufTensor t : f.tensors()) {
                assertEquals(0, (t.offset() - f.dataOffset()) % alignment, t.name());
                assertArrayEquals(data.get(t.name()), toArray(t.data()), t.name());
                assertEquals(t.name(), "t." + t.type());
                copy.addTensor(t.name(), t.type(), t.dims(), t.data());
            }
            copy.write(b);
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void tensorShapesAndOrderAreKept() throws Exception {
        Random rnd = new Random(1);
        GgufWriter w = new GgufWriter();
        w.addTensor("m", GgmlType.Q4_0, new long[] {64, 3}, randomBytes(rnd, 3 * 2 * 18));
        w.addTensor("v", GgmlType.F32, new long[] {5}, randomBytes(rnd, 20));
        w.addTensor("cube", GgmlType.F16, new long[] {2, 3, 4, 5}, randomBytes(rnd, 2 * 120));
        Path p = dir.resolve("shapes.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(List.of("m", "v", "cube"), f.tensors().stream().map(GgufTensor::name).toList());
            GgufTensor m = f.tensor("m");
            assertEquals(64, m.cols());
            assertEquals(3, m.rows());
            assertEquals(108, m.nbytes());
            GgufTensor c = f.tensor("cube");
            assertArrayEquals(new long[] {2, 3, 4, 5}, c.dims());
            assertEquals(4, c.nDims());
            assertEquals(60, c.rows());
            assertEquals(120, c.elements());
        }
    }

    @Test
    void streamedTensorsAreWrittenAndCounted() throws Exception {
        float[] values = new float[1000 * 64];
        for (int i = 0; i < values.length; i++) values[i] = i * 0.25f;
        ByteBuffer q = Quant.fromFloat(GgmlType.Q8_0, values, 1000, 64);
        GgufWriter w = new GgufWriter();
        w.addTensor("big", GgmlType.Q8_0, new long[] {64, 1000}, ch -> {
            ByteBuffer src = q.duplicate();
            while (src.hasRemaining()) { // small chunks, as a streaming quantizer would write
                ByteBuffer chunk = src.slice().limit(Math.min(src.remaining(), 999));
                src.position(src.position() + chunk.remaining());
                while (chunk.hasRemaining()) ch.write(chunk);
            }
        });
        Path p = dir.resolve("stream.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertArrayEquals(toArray(q), toArray(f.tensor("big").data()));
        }

        GgufWriter.TensorSource nested = ch -> ch.write(ByteBuffer.allocate(16)); // both spellings are accepted
        TensorSource top = nested;
        new GgufWriter().addTensor("n", GgmlType.F32, new long[] {4}, nested).addTensor("t", GgmlType.F32, new long[] {4}, top).write(dir.resolve("n.gguf"));

        Path bad = dir.resolve("short.gguf");
        GgufWriter w2 = new GgufWriter().addTensor("short", GgmlType.F32, new long[] {4}, ch -> ch.write(ByteBuffer.allocate(12)));
        IOException e = assertThrows(IOException.class, () -> w2.write(bad));
        assertTrue(e.getMessage().contains("short") && e.getMessage().contains("12"), e.getMessage());
        assertFalse(Files.exists(bad));
        assertFalse(Files.exists(dir.resolve("short.gguf.tmp")));
    }

    @Test
    void writerRejectsBadInput() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.putU8("x", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putI8("x", 128));
        assertThrows(IllegalArgumentException.class, () -> w.putU32("x", 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.INT32, "1"));
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.INT32, 1.5));
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.BOOL, 1));
        assertThrows(IllegalArgumentException.class, () -> w.put("x", GgufValueType.STRING, null));
        assertThrows(IllegalArgumentException.class, () -> w.putArray("x", GgufValueType.INT8, List.of(1, 1000)));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(3));
        assertThrows(IllegalArgumentException.class, () -> w.alignment(0));
        assertThrows(IllegalArgumentException.class, () -> w.put("general.alignment", GgufValueType.UINT32, 48));
        ByteBuffer b = ByteBuffer.allocate(18);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.Q4_0, new long[] {16}, b), "row not a whole block");
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.Q4_0, new long[] {32, 2}, b), "wrong byte count");
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {0}, ByteBuffer.allocate(0)));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, ByteBuffer.allocate(4)));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.F32, new long[] {1L << 40, 1L << 40}, ByteBuffer.allocate(4)));
        w.addTensor("t", GgmlType.Q4_0, new long[] {32}, b);
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", GgmlType.Q4_0, new long[] {32}, b.duplicate()), "duplicate");
    }

    @Test
    void putReplacesInPlaceAndAlignmentFollowsTheKey() throws Exception {
        GgufWriter w = new GgufWriter().putString("a", "1").putI32("b", 2).putString("a", "3").alignment(64);
        w.addTensor("t", GgmlType.F32, new long[] {3}, ByteBuffer.allocate(12));
        w.addTensor("u", GgmlType.F32, new long[] {3}, ByteBuffer.allocate(12));
        Path p = dir.resolve("replace.gguf");
        w.write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(List.of("a", "b", "general.alignment"), new ArrayList<>(f.metadata().keySet()));
            assertEquals("3", f.getString("a"));
            assertEquals(64, f.alignment());
            assertEquals(64, f.tensor("u").offset() - f.tensor("t").offset());
            assertEquals(f.dataOffset() + 128, f.fileSize(), "the last tensor is padded too");
        }
    }

    @Test
    void deeplyNestedArraysAreRejectedByTheReader() throws Exception {
        GgufArray a = GgufArray.of(GgufValueType.INT32, List.of(1));
        for (int i = 1; i < GgufParser.MAX_ARRAY_DEPTH; i++) a = GgufArray.of(GgufValueType.ARRAY, List.of(a));
        Path ok = dir.resolve("deep-ok.gguf"); // exactly MAX_ARRAY_DEPTH levels of arrays
        new GgufWriter().put("deep", GgufValueType.ARRAY, a).write(ok);
        try (GgufFile f = GgufFile.open(ok)) {
            assertEquals(GgufValueType.ARRAY, f.arrayElementType("deep"));
        }
        Path deep = dir.resolve("deep.gguf");
        new GgufWriter().put("deep", GgufValueType.ARRAY, GgufArray.of(GgufValueType.ARRAY, List.of(a))).write(deep);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(deep));
        assertTrue(e.getMessage().contains("deep") && e.getMessage().contains("nests"), e.getMessage());
    }

    @Test
    void longStringsAndLongArraysCrossTheReadBuffer() throws Exception {
        String big = "ü€\uD834\uDD1Ex".repeat(30_000); // 1-4 byte UTF-8 sequences, ~300 KB
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) many.add("tok" + i + "é".repeat(i % 7));
        Path p = dir.resolve("long.gguf");
        new GgufWriter().putString("a", "before").putString("big", big).putStringArray("many", many).putString("z", "after").write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals("before", f.getString("a"));
            assertEquals(big, f.getString("big"));
            assertEquals(many, Arrays.asList(f.getStringArray("many")));
            assertEquals("after", f.getString("z"));
        }
    }

    @Test
    void rowBytesAndTypeIds() throws Exception {
        assertEquals(18 * 4, GgmlType.Q4_0.rowBytes(128));
        assertEquals(210, GgmlType.Q6_K.rowBytes(256));
        assertEquals(4 * 7, GgmlType.F32.rowBytes(7));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_K.rowBytes(128));
        assertThrows(IllegalArgumentException.class, () -> GgmlType.F32.rowBytes(0));
        for (GgmlType t : GgmlType.values()) assertSame(t, GgmlType.fromId(t.id()));
        for (int removed : new int[] {4, 5, 31, 32, 33, 36, 37, 38, 40, -1, 1000}) {
            assertThrows(GgufFormatException.class, () -> GgmlType.fromId(removed));
        }
        assertEquals(Arrays.asList(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
                Arrays.stream(GgufValueType.values()).map(GgufValueType::id).toList());
    }
}
