package dev.lowbit.gguf;

import static dev.lowbit.gguf.GgufTestSupport.model;
import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.gguf.GgufLayout.Field;
import dev.lowbit.gguf.GgufLayout.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Corrupt GGUF files: truncated in every region, counts, lengths, types, shapes and offsets
 * set to absurd values, random bytes flipped. Every variant must either open (when the change
 * is harmless; the result is then checked to be consistent and its tensors readable) or be
 * rejected with a GgufFormatException: never another exception, never a crash.
 */
class GgufCorruptionTest {
    private static final String SYNTHETIC = "synthetic";

    @TempDir
    Path dir;

    private enum Outcome { OPENED, REJECTED }

    /** a writable copy of a GGUF file that mutations patch and restore in place */
    private final class Target implements AutoCloseable {
        final Path path;
        final byte[] original;
        final GgufLayout layout;
        final FileChannel ch;
        int opened, rejected, sinceGc;

        Target(String source) throws Exception {
            original = source.equals(SYNTHETIC) ? synthetic() : Files.readAllBytes(model(source));
            layout = GgufLayout.of(original);
            path = dir.resolve("target-" + source.replace('/', '_'));
            Files.write(path, original);
            ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }

        Outcome check(String what) {
            Outcome o = openOrReject(path, what);
            if (o == Outcome.OPENED) opened++; else rejected++;
            if (++sinceGc == 400) { // unreachable mappings are only unmapped after a GC
                System.gc();
                sinceGc = 0;
            }
            return o;
        }

        void write(long offset, byte[] bytes) throws IOException {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }

        void restore(long offset, int len) throws IOException {
            ch.write(ByteBuffer.wrap(original, (int) offset, len), offset);
        }

        /** sets a field to v, checks, restores; mustReject asserts the outcome */
        Outcome mutate(Field f, long v, boolean mustReject) throws IOException {
            write(f.offset(), le(v, f.size()));
            String what = f.kind() + " at " + f.offset() + " (was " + f.value() + ") := " + Long.toUnsignedString(v);
            Outcome o = check(what);
            restore(f.offset(), f.size());
            if (mustReject) assertEquals(Outcome.REJECTED, o, what + " must be rejected");
            return o;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** opens p: a GgufFormatException is a pass, success is a pass if the file is consistent */
    private static Outcome openOrReject(Path p, String what) {
        try (GgufFile f = GgufFile.open(p)) {
            for (var e : f.metadata().entrySet()) {
                assertNotNull(e.getValue(), e.getKey());
                assertNotNull(f.metadataType(e.getKey()), e.getKey());
            }
            long size = Files.size(p);
            for (GgufTensor t : f.tensors()) {
                assertTrue(t.offset() >= f.dataOffset() && t.offset() + t.nbytes() <= size, what + ": " + t);
                assertEquals(t.type().rowBytes(t.cols()) * t.rows(), t.nbytes(), what + ": " + t);
                ByteBuffer d = t.data();
                assertEquals(t.nbytes(), d.remaining(), what);
                d.get(0);
                d.get(d.limit() - 1); // a mapping past the end of the file would fault here
            }
            return Outcome.OPENED;
        } catch (GgufFormatException e) {
            assertNotNull(e.getMessage(), what);
            assertTrue(e.getMessage().contains(p.getFileName().toString()), what + ": message names the file: " + e.getMessage());
            return Outcome.REJECTED;
        } catch (Throwable t) {
            throw new AssertionError(what + ": expected GgufFormatException or success, got " + t, t);
        }
    }

    static byte[] le(long v, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }

    /** a small file with every value type, nested arrays and quantized tensors, alignment 64 */
    private byte[] synthetic() throws IOException {
        Random rnd = new Random(99);
        GgufWriter w = new GgufWriter().alignment(64);
        w.putString("general.architecture", "llama").putU32("llama.embedding_length", 64);
        w.putString("key.dup1", "x").putString("key.dup2", "y").putBool("flag", true);
        w.putU8("u8", 7).putI8("i8", -7).putU16("u16", 7).putI16("i16", -7).putI32("i32", -7).putU64("u64", 7).putI64("i64", -7);
        w.putF32("f32", 0.5f).putF64("f64", 0.25);
        w.putStringArray("tokens", List.of("<s>", "a", "bc", ""));
        w.putFloatArray("scores", new float[] {0, -1, -2, -3});
        w.putArray("bools", GgufValueType.BOOL, List.of(true, false));
        w.putArray("nested", GgufValueType.ARRAY, List.of(
                GgufArray.of(GgufValueType.UINT16, List.of(1, 2)),
                GgufArray.of(GgufValueType.ARRAY, List.of(GgufArray.of(GgufValueType.STRING, List.of("deep")))),
                GgufArray.of(GgufValueType.INT64, List.of())));
        w.addTensor("t.q40", GgmlType.Q4_0, new long[] {64, 2}, Quant.fromFloat(GgmlType.Q4_0, GgufTestSupport.gaussian(rnd, 128, 1), 2, 64));
        w.addTensor("t.f32", GgmlType.F32, new long[] {8}, Quant.fromFloat(GgmlType.F32, GgufTestSupport.gaussian(rnd, 8, 1), 1, 8));
        w.addTensor("t.q6k", GgmlType.Q6_K, new long[] {256, 1, 1}, GgufTestSupport.randomBytes(rnd, 210));
        w.addTensor("t.dup1", GgmlType.F16, new long[] {4, 2, 1, 1}, GgufTestSupport.randomBytes(rnd, 16));
        w.addTensor("t.dup2", GgmlType.BF16, new long[] {4}, GgufTestSupport.randomBytes(rnd, 8));
        Path p = dir.resolve("synthetic-source.gguf");
        w.write(p);
        return Files.readAllBytes(p);
    }

    // ---------------------------------------------------------------- truncation

    @ParameterizedTest
    @ValueSource(strings = {SYNTHETIC, "stories260K.gguf", "llama-2-tiny-random.gguf", "vocab/ggml-vocab-llama-spm.gguf"})
    void truncationIsRejectedInEveryRegion(String source) throws Exception {
        try (Target t = new Target(source)) {
            GgufLayout l = t.layout;
            TreeSet<Long> cuts = new TreeSet<>();
            for (long i = 0; i <= 64; i++) cuts.add(i);
            int perKind = l.headerEnd > 100_000 ? 3 : 12; // a 32000-token header takes ms to parse
            for (Kind k : Kind.values()) {
                for (Field f : l.sample(k, perKind)) {
                    cuts.add(f.offset());
                    cuts.add(f.offset() + 1);
                    cuts.add(f.offset() + f.size() - 1);
                    cuts.add(f.offset() + f.size() + 1);
                }
            }
            for (long x : new long[] {l.kvEnd - 1, l.kvEnd, l.kvEnd + 1, l.headerEnd - 1, l.headerEnd, l.dataOffset - 1, l.dataOffset,
                    l.requiredEnd - 1, l.requiredEnd, t.original.length - 1}) cuts.add(x);
            for (int i = 0; i < l.tensorSpans.size(); i += Math.max(1, l.tensorSpans.size() / 10)) {
                long[] s = l.tensorSpans.get(i);
                cuts.add(s[0]);
                cuts.add(s[0] + 1);
                cuts.add((s[0] + s[1]) / 2);
                cuts.add(s[1] - 1);
            }
            cuts.removeIf(x -> x < 0 || x >= t.original.length);
            // cut from the end towards the start: each truncation is one call on the same copy
            for (long cut : cuts.descendingSet()) {
                t.ch.truncate(cut);
                Outcome o = t.check("truncated at " + cut + " of " + t.original.length);
                if (cut < l.requiredEnd) assertEquals(Outcome.REJECTED, o, "truncated at " + cut + " (data needs " + l.requiredEnd + ")");
            }
            assertTrue(t.rejected > 50, "rejections: " + t.rejected);
        }
    }

    // ---------------------------------------------------------------- absurd field values

    @ParameterizedTest
    @ValueSource(strings = {SYNTHETIC, "stories260K.gguf", "llama-2-tiny-random.gguf", "vocab/ggml-vocab-llama-spm.gguf"})
    void absurdFieldValuesAreRejected(String source) throws Exception {
        try (Target t = new Target(source)) {
            GgufLayout l = t.layout;
            long size = t.original.length;
            // a 32000-token header takes milliseconds to parse: sample fewer fields of big headers
            int many = l.headerEnd > 100_000 ? 1 : l.headerEnd > 4096 ? 10 : 25;
            long[] absurd = {-1L, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 62, 1L << 32, size};

            for (Field f : l.sample(Kind.MAGIC, 1)) {
                for (int i = 0; i < 4; i++) t.mutate(f, f.value() ^ (0x20L << (8 * i)), true);
            }
            for (Field f : l.sample(Kind.VERSION, 1)) {
                for (long v : new long[] {0, 1, 4, 0x03000000L, 0xFFFFFFFFL}) t.mutate(f, v, true);
                assertEquals(Outcome.OPENED, t.mutate(f, 2, false), "version 2 has the same layout");
            }
            for (Kind k : new Kind[] {Kind.TENSOR_COUNT, Kind.KV_COUNT, Kind.KEY_LEN, Kind.STRING_LEN, Kind.NAME_LEN, Kind.ARRAY_LEN}) {
                for (Field f : l.sample(k, many)) {
                    for (long v : absurd) t.mutate(f, v, true);
                    t.mutate(f, size - f.offset(), true); // longer than what is left
                    t.mutate(f, f.value() + 1, false);
                    if (f.value() > 0) t.mutate(f, f.value() - 1, false);
                    t.mutate(f, 0, false);
                }
            }
            for (Kind k : new Kind[] {Kind.VALUE_TYPE, Kind.ARRAY_TYPE}) {
                for (Field f : l.sample(k, many)) {
                    for (long v : new long[] {13, 255, 0xFFFFFFFFL, 0x80000000L}) t.mutate(f, v, true);
                    for (long v = 0; v <= 12; v++) if (v != f.value()) t.mutate(f, v, false); // type confusion
                }
            }
            for (Field f : l.sample(Kind.BOOL, 10)) {
                for (long v : new long[] {2, 0xFF}) t.mutate(f, v, true);
                assertEquals(Outcome.OPENED, t.mutate(f, f.value() ^ 1, false));
            }
            for (Field f : l.sample(Kind.SCALAR, many)) {
                for (long v : new long[] {0, -1L, 0x7F}) assertEquals(Outcome.OPENED, t.mutate(f, v, false), "plain values are not validated");
            }
            for (Field f : l.sample(Kind.ALIGNMENT_VALUE, 1)) {
                for (long v : new long[] {0, 3, 48, 0x80000000L, 0xFFFFFFFFL}) t.mutate(f, v, true);
                for (long v : new long[] {1, 16, 32, 128}) t.mutate(f, v, false);
            }
            for (Field f : l.sample(Kind.N_DIMS, many)) {
                for (long v : new long[] {0, 5, 0xFFFFFFFFL, 0x80000001L}) t.mutate(f, v, true);
                for (long v = 1; v <= 4; v++) if (v != f.value()) t.mutate(f, v, false);
            }
            for (Field f : l.sample(Kind.DIM, 2 * many)) {
                for (long v : new long[] {0, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 62, 1L << 40}) t.mutate(f, v, true);
                for (long v : new long[] {f.value() * 2, f.value() + 1, 1, 1L << 31}) t.mutate(f, v, false);
            }
            for (Field f : l.sample(Kind.TENSOR_TYPE, many)) {
                for (long v : new long[] {4, 5, 31, 33, 36, 40, 1000, 0xFFFFFFFFL}) t.mutate(f, v, true);
                for (GgmlType g : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.IQ2_XXS, GgmlType.MXFP4}) {
                    if (g.id() != f.value()) t.mutate(f, g.id(), false); // another valid type: sizes change
                }
            }
            for (Field f : l.sample(Kind.TENSOR_OFFSET, many)) {
                long a = l.alignment;
                for (long v : new long[] {-1L, Long.MAX_VALUE, Long.MIN_VALUE, (size + a) / a * a, 1L << 40}) t.mutate(f, v, true);
                if (a > 1) t.mutate(f, f.value() + 1, true);
                for (long v : new long[] {f.value() + a, Math.max(0, f.value() - a), 0}) t.mutate(f, v, false);
            }
            assertTrue(t.rejected > 40, "rejections: " + t.rejected);
        }
    }

    // ---------------------------------------------------------------- random damage

    @ParameterizedTest
    @ValueSource(strings = {SYNTHETIC, "stories260K.gguf"})
    void randomHeaderDamageNeverEscapes(String source) throws Exception {
        try (Target t = new Target(source)) {
            GgufLayout l = t.layout;
            Random rnd = new Random(source.hashCode());
            int iterations = source.equals(SYNTHETIC) ? 2500 : 1200;
            for (int iter = 0; iter < iterations; iter++) {
                int n = 1 + rnd.nextInt(3);
                long[] at = new long[n];
                int[] len = new int[n];
                StringBuilder what = new StringBuilder("random damage " + iter + ":");
                for (int i = 0; i < n; i++) {
                    byte[] bytes;
                    if (rnd.nextBoolean()) { // a whole field set to a random or extreme value
                        Field f = l.fields.get(rnd.nextInt(l.fields.size()));
                        long v = switch (rnd.nextInt(4)) {
                            case 0 -> rnd.nextLong();
                            case 1 -> f.value() + rnd.nextInt(5) - 2;
                            case 2 -> -1L;
                            default -> rnd.nextInt(64);
                        };
                        at[i] = f.offset();
                        bytes = le(v, f.size());
                    } else { // any single byte of the header
                        at[i] = rnd.nextInt((int) l.headerEnd);
                        bytes = new byte[] {(byte) rnd.nextInt(256)};
                    }
                    len[i] = bytes.length;
                    t.write(at[i], bytes);
                    what.append(" @").append(at[i]).append('=').append(java.util.HexFormat.of().formatHex(bytes));
                }
                t.check(what.toString());
                for (int i = n - 1; i >= 0; i--) t.restore(at[i], len[i]);
            }
            assertTrue(t.rejected > 100 && t.opened > 50, "opened " + t.opened + ", rejected " + t.rejected);
        }
    }

    @Test
    void damageInsideTensorDataIsHarmless() throws Exception {
        try (Target t = new Target(SYNTHETIC)) {
            Random rnd = new Random(5);
            for (long[] s : t.layout.tensorSpans) {
                long at = s[0] + rnd.nextInt((int) (s[1] - s[0]));
                t.write(at, new byte[] {(byte) 0xFF});
                assertEquals(Outcome.OPENED, t.check("data byte " + at));
                t.restore(at, 1);
            }
        }
    }

    // ---------------------------------------------------------------- named problems

    private void expectMessage(Target t, Field f, long v, String... parts) throws IOException {
        t.write(f.offset(), le(v, f.size()));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(t.path).close());
        t.restore(f.offset(), f.size());
        for (String part : parts) assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
    }

    private static Field tensorField(GgufLayout l, Kind k, int tensorIndex) {
        int perTensor = 0;
        List<Field> all = l.byKind.get(k);
        if (k == Kind.DIM) { // dims differ in count per tensor: find the first dim of the tensor
            List<Field> nd = l.byKind.get(Kind.N_DIMS);
            for (int i = 0; i < tensorIndex; i++) perTensor += (int) nd.get(i).value();
            return all.get(perTensor);
        }
        return all.get(tensorIndex);
    }

    @Test
    void problemsAreNamed() throws Exception {
        try (Target t = new Target(SYNTHETIC)) {
            GgufLayout l = t.layout;
            Field magic = l.byKind.get(Kind.MAGIC).get(0), version = l.byKind.get(Kind.VERSION).get(0);
            expectMessage(t, magic, 0x46554748L, "not a GGUF file", "magic");
            expectMessage(t, version, 1, "version 1");
            expectMessage(t, version, 0x03000000L, "big-endian");
            expectMessage(t, l.byKind.get(Kind.TENSOR_COUNT).get(0), 1L << 40, "tensor count", "impossible");
            expectMessage(t, l.byKind.get(Kind.KV_COUNT).get(0), 1L << 40, "metadata count");
            Field keyLen = l.byKind.get(Kind.KEY_LEN).get(1);
            expectMessage(t, keyLen, 1L << 40, "length", "offset " + keyLen.offset());
            expectMessage(t, l.byKind.get(Kind.VALUE_TYPE).get(1), 13, "unknown value type 13", "general.architecture"); // 0 is general.alignment
            expectMessage(t, l.byKind.get(Kind.ARRAY_TYPE).get(0), 99, "unknown element type 99", "tokens");
            expectMessage(t, l.byKind.get(Kind.ARRAY_LEN).get(0), 1L << 50, "length", "tokens");
            expectMessage(t, l.byKind.get(Kind.BOOL).get(0), 2, "flag", "boolean");
            expectMessage(t, l.byKind.get(Kind.ALIGNMENT_VALUE).get(0), 48, "general.alignment", "power of two");
            expectMessage(t, tensorField(l, Kind.N_DIMS, 1), 5, "t.f32", "dimension count 5");
            expectMessage(t, tensorField(l, Kind.DIM, 0), 48, "t.q40", "block size 32");
            expectMessage(t, tensorField(l, Kind.DIM, 0), 0, "t.q40", "must be positive");
            expectMessage(t, tensorField(l, Kind.DIM, 0), 1L << 40, "t.q40");
            expectMessage(t, tensorField(l, Kind.DIM, 1), 1L << 62, "t.f32", "byte size", "overflows");
            Field q6kDim1 = l.byKind.get(Kind.DIM).get(l.byKind.get(Kind.DIM).indexOf(tensorField(l, Kind.DIM, 2)) + 1);
            expectMessage(t, q6kDim1, 1L << 62, "t.q6k", "element count", "overflows");
            expectMessage(t, tensorField(l, Kind.TENSOR_TYPE, 1), 4, "t.f32", "unknown ggml type id 4");
            Field off1 = tensorField(l, Kind.TENSOR_OFFSET, 1);
            expectMessage(t, off1, off1.value() + 32, "t.f32", "alignment 64");
            expectMessage(t, off1, 0, "overlaps", "t.q40", "t.f32");
            expectMessage(t, off1, 1L << 20, "t.f32", "outside the file");

            // duplicates: "key.dup2" -> "key.dup1", "t.dup2" -> "t.dup1"
            long key2 = indexOf(t.original, "key.dup2") + 7;
            t.write(key2, new byte[] {'1'});
            GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(t.path));
            assertTrue(e.getMessage().contains("duplicate metadata key 'key.dup1'"), e.getMessage());
            t.restore(key2, 1);
            long name2 = indexOf(t.original, "t.dup2") + 5;
            t.write(name2, new byte[] {'1'});
            e = assertThrows(GgufFormatException.class, () -> GgufFile.open(t.path));
            assertTrue(e.getMessage().contains("duplicate tensor name 't.dup1'"), e.getMessage());
            t.restore(name2, 1);

            t.ch.truncate(l.kvEnd - 3);
            e = assertThrows(GgufFormatException.class, () -> GgufFile.open(t.path));
            assertTrue(e.getMessage().contains("file ends"), e.getMessage());
            t.ch.truncate(0);
            e = assertThrows(GgufFormatException.class, () -> GgufFile.open(t.path));
            assertTrue(e.getMessage().contains("not a GGUF file"), e.getMessage());
        }
    }

    private static long indexOf(byte[] hay, String s) {
        byte[] needle = s.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError(s + " not found");
    }

    // ---------------------------------------------------------------- hand-built headers

    /** a GGUF header written field by field, independent of GgufWriter */
    private static final class Header {
        final ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        Header(int version, long tensors, long kvs) {
            b.putInt(0x46554747).putInt(version).putLong(tensors).putLong(kvs);
        }

        Header str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            b.putLong(u.length).put(u);
            return this;
        }

        Header kvString(String k, String v) {
            return str(k).u32(8).str(v);
        }

        Header u32(int v) {
            b.putInt(v);
            return this;
        }

        Header tensor(String name, GgmlType t, long[] dims, long offset) {
            str(name).u32(dims.length);
            for (long d : dims) b.putLong(d);
            b.putInt(t.id()).putLong(offset);
            return this;
        }

        long dataOffset() {
            return (b.position() + 31) / 32 * 32;
        }

        void writeTo(Path p, long totalSize) throws IOException {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ch.write(b.duplicate().flip(), 0);
                if (totalSize > ch.size()) ch.write(ByteBuffer.allocate(1), totalSize - 1); // sparse up to totalSize
            }
        }
    }

    @Test
    void version2AndEmptyFilesOpen() throws Exception {
        Path v2 = dir.resolve("v2.gguf");
        Header h = new Header(2, 1, 1).kvString("general.architecture", "llama").tensor("w", GgmlType.F32, new long[] {4}, 0);
        h.writeTo(v2, h.dataOffset() + 16);
        try (GgufFile f = GgufFile.open(v2)) {
            assertEquals(2, f.version());
            assertEquals("llama", f.getString("general.architecture"));
            assertArrayEquals(new float[4], Dequant.toFloat(GgmlType.F32, f.tensor("w").data(), 4));
        }
        Path empty = dir.resolve("empty.gguf");
        new Header(3, 0, 0).writeTo(empty, 0);
        try (GgufFile f = GgufFile.open(empty)) {
            assertEquals(0, f.tensors().size());
            assertEquals(0, f.metadata().size());
        }
    }

    /** a sparse 2.1 GB file: tensors beyond the 2 GiB offset are mapped and read correctly */
    @Test
    void filesOver2GiBWork() throws Exception {
        Path big = dir.resolve("big.gguf");
        long gib = 1L << 30;
        Header h = new Header(3, 3, 1).kvString("general.architecture", "llama")
                .tensor("a", GgmlType.F32, new long[] {1L << 28}, 0)
                .tensor("b", GgmlType.F32, new long[] {1L << 28}, gib)
                .tensor("c", GgmlType.F32, new long[] {8}, 2 * gib);
        long data = h.dataOffset();
        h.writeTo(big, data + 2 * gib + 32);
        ByteBuffer c = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) c.putFloat(i + 0.5f);
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.WRITE)) {
            ch.write(c.flip(), data + 2 * gib);
        }
        try (GgufFile f = GgufFile.open(big)) {
            GgufTensor tc = f.tensor("c");
            assertEquals(data + 2 * gib, tc.offset());
            assertTrue(tc.offset() > Integer.MAX_VALUE);
            float[] v = Dequant.toFloat(GgmlType.F32, tc.data(), 8);
            for (int i = 0; i < 8; i++) assertEquals(i + 0.5f, v[i]);
            assertEquals(tc.data().get(4), NativeAddress.peek(tc.address() + 4));
            assertEquals(gib, f.tensor("b").data().remaining());
            assertEquals(0, f.tensor("b").data().get((int) gib - 1));
        }
    }

    /** a tensor over 2 GiB is indexed; its data() fails clearly instead of the whole file */
    @Test
    void tensorOver2GiBFailsClearly() throws Exception {
        Path big = dir.resolve("huge-tensor.gguf");
        long n = (1L << 29) + 8; // 2 GiB + 32 bytes of F32
        Header h = new Header(3, 2, 0).tensor("small", GgmlType.F32, new long[] {8}, 0).tensor("huge", GgmlType.F32, new long[] {n}, 64);
        h.writeTo(big, h.dataOffset() + 64 + 4 * n);
        try (GgufFile f = GgufFile.open(big)) {
            GgufTensor huge = f.tensor("huge");
            assertEquals(4 * n, huge.nbytes());
            IllegalStateException e = assertThrows(IllegalStateException.class, huge::data);
            assertTrue(e.getMessage().contains("huge") && e.getMessage().contains("2 GiB"), e.getMessage());
            assertThrows(IllegalStateException.class, huge::address);
            assertEquals(32, f.tensor("small").data().remaining());
        }
    }

    @Test
    void hostileCountsAllocateNothingLarge() throws Exception {
        // an array claiming 2^31 - 16 one-byte elements in a file of a few bytes: rejected before allocation
        Path p = dir.resolve("hostile.gguf");
        Header h = new Header(3, 0, 1).str("x").u32(9).u32(0);
        h.b.putLong((1L << 31) - 16);
        h.writeTo(p, 0);
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("length") && e.getMessage().contains("'x'"), e.getMessage());
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(after - before < 64 << 20, "allocated " + (after - before));
    }
}
