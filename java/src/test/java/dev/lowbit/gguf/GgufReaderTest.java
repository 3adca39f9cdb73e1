package dev.lowbit.gguf;

import static dev.lowbit.gguf.GgufTestSupport.model;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads the real GGUF files of the shared model directory and checks known facts about them. */
class GgufReaderTest {

    @Test
    void stories260KMetadata() throws Exception {
        try (GgufFile f = GgufFile.open(model("stories260K.gguf"))) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(0, f.dataOffset() % 32);
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals(GgufValueType.UINT32, f.metadataType("llama.embedding_length"));
            assertEquals(64, f.getInt("llama.embedding_length"));
            assertEquals(64L, f.getLong("llama.embedding_length"));
            assertEquals(5, f.getInt("llama.block_count"));
            assertEquals(8, f.getInt("llama.attention.head_count"));
            assertEquals(4, f.getInt("llama.attention.head_count_kv"));
            assertEquals(1e-5f, f.getFloat("llama.attention.layer_norm_rms_epsilon"), 1e-12f);
            assertEquals(2048f, f.getFloat("llama.context_length")); // integers convert to float
            // UINT32 0xFFFFFFFF is the ggml "no token": -1 through getInt, 2^32-1 through getLong
            assertEquals(-1, f.getInt("tokenizer.ggml.padding_token_id"));
            assertEquals(0xFFFFFFFFL, f.getLong("tokenizer.ggml.padding_token_id"));

            String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertEquals(512, tokens.length);
            assertEquals("<unk>", tokens[0]);
            assertEquals("<s>", tokens[1]);
            assertEquals("<0x00>", tokens[3]);
            assertEquals(GgufValueType.STRING, f.arrayElementType("tokenizer.ggml.tokens"));
            assertEquals(512, f.getFloatArray("tokenizer.ggml.scores").length);
            int[] types = f.getIntArray("tokenizer.ggml.token_type");
            assertEquals(512, types.length);
            assertEquals(2, types[0]); // unknown
            assertEquals(3, types[1]); // control
            assertEquals(6, types[3]); // byte
            // the metadata map keeps file order
            assertEquals("tokenizer.ggml.tokens", f.metadata().keySet().iterator().next());
        }
    }

    @Test
    void stories260KTensors() throws Exception {
        try (GgufFile f = GgufFile.open(model("stories260K.gguf"))) {
            assertEquals(3 + 5 * 9, f.tensors().size());
            GgufTensor emb = f.tensor("token_embd.weight");
            assertNotNull(emb);
            assertEquals(GgmlType.F32, emb.type());
            assertArrayEquals(new long[] {64, 512}, emb.dims());
            assertEquals(64, emb.cols());
            assertEquals(512, emb.rows());
            assertEquals(64 * 512, emb.elements());
            assertEquals(64 * 512 * 4, emb.nbytes());
            assertArrayEquals(new long[] {64, 172}, f.tensor("blk.0.ffn_up.weight").dims());
            assertArrayEquals(new long[] {172, 64}, f.tensor("blk.0.ffn_down.weight").dims());
            assertArrayEquals(new long[] {64, 32}, f.tensor("blk.4.attn_k.weight").dims());
            assertNull(f.tensor("no.such.tensor"));

            long prevEnd = f.dataOffset();
            for (GgufTensor t : f.tensors()) {
                assertEquals(0, (t.offset() - f.dataOffset()) % f.alignment(), t.name());
                assertTrue(t.offset() >= prevEnd, t.name() + " in file order");
                prevEnd = t.offset() + t.nbytes();
                ByteBuffer d = t.data();
                assertEquals(t.nbytes(), d.remaining());
                assertTrue(d.isReadOnly());
                assertEquals(ByteOrder.LITTLE_ENDIAN, d.order());
            }
            assertTrue(prevEnd <= f.fileSize());

            // norm weights of a trained model: finite, positive on average
            float[] norm = Dequant.toFloat(GgmlType.F32, f.tensor("output_norm.weight").data(), 64);
            double sum = 0;
            for (float v : norm) {
                assertTrue(Float.isFinite(v));
                sum += v;
            }
            assertTrue(sum / 64 > 0.1, "mean of output_norm " + sum / 64);
        }
    }

    @Test
    void addressPointsAtTheMappedData() throws Exception {
        try (GgufFile f = GgufFile.open(model("stories260K.gguf"))) {
            for (String name : List.of("token_embd.weight", "blk.3.ffn_norm.weight", "output.weight")) {
                GgufTensor t = f.tensor(name);
                ByteBuffer d = t.data();
                long a = t.address();
                assertNotEquals(0, a);
                for (int i : new int[] {0, 1, 7, (int) t.nbytes() / 2, (int) t.nbytes() - 1}) {
                    assertEquals(d.get(i), NativeAddress.peek(a + i), name + " byte " + i);
                }
            }
            // independent of the mapping: the file's own bytes at the tensor's offset
            GgufTensor t = f.tensor("output_norm.weight");
            byte[] file = Files.readAllBytes(f.path());
            for (int i = 0; i < t.nbytes(); i++) assertEquals(file[(int) t.offset() + i], NativeAddress.peek(t.address() + i));
        }
    }

    @Test
    void llama2TinyRandomF16() throws Exception {
        try (GgufFile f = GgufFile.open(model("llama-2-tiny-random.gguf"))) {
            assertEquals("llama", f.getString("general.architecture"));
            assertEquals(8, f.getInt("llama.embedding_length"));
            assertEquals(1, f.getInt("general.file_type")); // mostly F16
            assertEquals(32000, f.getStringArray("tokenizer.ggml.tokens").length);
            GgufTensor emb = f.tensor("token_embd.weight");
            assertEquals(GgmlType.F16, emb.type());
            assertArrayEquals(new long[] {8, 32000}, emb.dims());
            float[] x = Dequant.toFloat(GgmlType.F16, emb.data(), emb.elements());
            for (float v : x) assertTrue(Float.isFinite(v));
            // F16 decoding agrees with the raw halves
            ByteBuffer d = emb.data();
            assertEquals(Dequant.f16ToFloat(d.getShort(2 * 12345)), x[12345]);
            assertEquals(GgmlType.F32, f.tensor("output_norm.weight").type());
            FloatBuffer fb = f.tensor("output_norm.weight").data().asFloatBuffer();
            float[] norm = Dequant.toFloat(GgmlType.F32, f.tensor("output_norm.weight").data(), 8);
            for (int i = 0; i < 8; i++) assertEquals(fb.get(i), norm[i]);
        }
    }

    @Test
    void qwen2Vocab() throws Exception {
        try (GgufFile f = GgufFile.open(model("vocab/ggml-vocab-qwen2.gguf"))) {
            assertEquals("qwen2", f.getString("general.architecture"));
            assertEquals("gpt2", f.getString("tokenizer.ggml.model"));
            assertEquals("qwen2", f.getString("tokenizer.ggml.pre"));
            assertEquals(151669, f.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(151669, f.getIntArray("tokenizer.ggml.token_type").length);
            String[] merges = f.getStringArray("tokenizer.ggml.merges");
            assertEquals(151387, merges.length);
            assertEquals("Ġ Ġ", merges[0]);
            assertEquals(151643, f.getInt("tokenizer.ggml.eos_token_id"));
            assertFalse(f.getBool("tokenizer.ggml.add_bos_token", true));
            assertEquals(0, f.tensors().size());
        }
    }

    @Test
    void everyVocabFileOpens() throws Exception {
        Path dir = model("vocab/ggml-vocab-qwen2.gguf").getParent();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".gguf")).sorted().toList();
        }
        assertTrue(files.size() >= 4, "vocab files found: " + files);
        for (Path p : files) {
            try (GgufFile f = GgufFile.open(p)) {
                String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
                assertNotNull(tokens, p.toString());
                assertTrue(tokens.length > 1000, p + " has " + tokens.length + " tokens");
                int[] types = f.getIntArray("tokenizer.ggml.token_type");
                if (types != null) assertEquals(tokens.length, types.length, p.toString());
                assertNotNull(f.getString("tokenizer.ggml.model"), p.toString());
            }
        }
    }

    @Test
    void gettersCheckPresenceAndType() throws Exception {
        try (GgufFile f = GgufFile.open(model("stories260K.gguf"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.getString("no.such.key"));
            assertTrue(e.getMessage().contains("no.such.key"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> f.getInt("general.architecture"));
            assertThrows(IllegalArgumentException.class, () -> f.getString("llama.block_count"));
            assertThrows(IllegalArgumentException.class, () -> f.getFloat("general.name"));
            assertThrows(IllegalArgumentException.class, () -> f.getStringArray("tokenizer.ggml.scores"));
            assertThrows(IllegalArgumentException.class, () -> f.getIntArray("tokenizer.ggml.tokens"));
            assertThrows(IllegalArgumentException.class, () -> f.getIntArray("general.name"));
            assertEquals("dflt", f.getString("no.such.key", "dflt"));
            assertEquals(7, f.getInt("no.such.key", 7));
            assertEquals(7L, f.getLong("no.such.key", 7L));
            assertEquals(0.5f, f.getFloat("no.such.key", 0.5f));
            assertTrue(f.getBool("no.such.key", true));
            assertNull(f.getStringArray("no.such.key"));
            assertNull(f.getFloatArray("no.such.key"));
            assertNull(f.getIntArray("no.such.key"));
            assertNull(f.metadataType("no.such.key"));
            assertNull(f.arrayElementType("general.name"));
            assertFalse(f.has("no.such.key"));
            assertThrows(UnsupportedOperationException.class, () -> f.metadata().put("x", 1));
            assertThrows(UnsupportedOperationException.class, () -> f.getArray("tokenizer.ggml.tokens").set(0, "x"));
        }
    }

    @Test
    void closeDropsTheMappingsAndIsIdempotent() throws Exception {
        GgufFile f = GgufFile.open(model("stories260K.gguf"));
        GgufTensor t = f.tensor("output_norm.weight");
        ByteBuffer before = t.data();
        f.close();
        assertTrue(f.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, t::data);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, t::address);
        f.close();
        // a view taken before close stays readable on its own
        assertEquals(t.nbytes(), before.remaining());
        before.get(0);
        // metadata stays available
        assertEquals("llama", f.getString("general.architecture"));
    }

    @Test
    void missingFileIsNotAFormatError(@TempDir Path dir) {
        assertThrows(NoSuchFileException.class, () -> GgufFile.open(dir.resolve("absent.gguf")));
    }
}
