package dev.lowbit.tools.testbed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lowbit.eval.Prompts;
import dev.lowbit.eval.testbed.TestbedGenerator;
import dev.lowbit.eval.testbed.TestbedProblem;
import dev.lowbit.generate.ChatTemplate;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufValueType;
import dev.lowbit.gguf.GgufWriter;
import dev.lowbit.gguf.Quant;
import dev.lowbit.tokenizer.BpeTrainer;
import dev.lowbit.tokenizer.TokenType;
import dev.lowbit.tokenizer.Tokenizer;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Java half of the testbed model's recipe (tools/testbed/README.md): learn its BPE vocabulary,
 * tokenize training problems with the engine's own tokenizer, and assemble the trained weights into
 * a Qwen2 GGUF. The gradient work in between is PyTorch's (tools/testbed/train.py).
 */
@Command(name = "testbed-build", mixinStandardHelpOptions = true,
        subcommands = {TestbedBuild.Vocab.class, TestbedBuild.Data.class, TestbedBuild.Assemble.class},
        description = "Build steps of the testbed reasoning model.")
public final class TestbedBuild {
    static final String BOS = "<｜begin▁of▁sentence｜>";
    static final String EOS = "<｜end▁of▁sentence｜>";
    /** the DeepSeek-R1 template's markers, as the distilled models' vocabularies hold them */
    static final List<String> USER_DEFINED = List.of("<｜User｜>", "<｜Assistant｜>", "<think>", "</think>");
    /** a single-turn DeepSeek-R1 chat template (the generation prompt opens the think block) */
    static final String CHAT_TEMPLATE = "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
            + "{{ '<｜User｜>' + message['content'] }}{% elif message['role'] == 'assistant' %}"
            + "{{ '<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>' }}{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}";

    public static void main(String[] args) {
        System.exit(new CommandLine(new TestbedBuild()).execute(args));
    }

    /** prompt (chat template applied, math suffix) and target of one problem */
    static String prompt(TestbedProblem p) {
        return ChatTemplate.DEEPSEEK_R1.apply(Prompts.math(p.question()));
    }

    static List<TestbedProblem> problems(long seed, int perLevel, TestbedGenerator.Split split) {
        List<TestbedProblem> out = new ArrayList<>();
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
            out.addAll(TestbedGenerator.draw(seed, level, split, perLevel));
        return out;
    }

    @Command(name = "vocab", description = "Learn BPE merges on training problems; write a tokenizer-only GGUF.")
    static final class Vocab implements Callable<Integer> {
        @Option(names = "--out", required = true) Path out;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--per-level", defaultValue = "2000") int perLevel;
        @Option(names = "--merges", defaultValue = "240") int merges;

        @Override
        public Integer call() throws IOException {
            List<String> texts = new ArrayList<>();
            for (TestbedProblem p : problems(seed, perLevel, TestbedGenerator.Split.TRAIN)) texts.add(Prompts.math(p.question()) + "\n" + p.solution());
            List<String> learned = BpeTrainer.train(texts, "deepseek-r1-qwen", merges);
            List<String> tokens = new ArrayList<>(BpeTrainer.byteTokens());
            List<Integer> types = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) types.add(TokenType.NORMAL);
            for (String m : learned) {
                tokens.add(BpeTrainer.mergedToken(m));
                types.add(TokenType.NORMAL);
            }
            int bos = tokens.size();
            tokens.add(BOS);
            types.add(TokenType.CONTROL);
            int eos = tokens.size();
            tokens.add(EOS);
            types.add(TokenType.CONTROL);
            for (String u : USER_DEFINED) {
                tokens.add(u);
                types.add(TokenType.USER_DEFINED);
            }
            GgufWriter w = new GgufWriter();
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", "deepseek-r1-qwen");
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            w.putArray("tokenizer.ggml.token_type", GgufValueType.INT32, types);
            w.putStringArray("tokenizer.ggml.merges", learned);
            w.putU32("tokenizer.ggml.bos_token_id", bos);
            w.putU32("tokenizer.ggml.eos_token_id", eos);
            w.putU32("tokenizer.ggml.padding_token_id", eos);
            w.putBool("tokenizer.ggml.add_bos_token", true);
            w.putBool("tokenizer.ggml.add_eos_token", false);
            w.putString("tokenizer.chat_template", CHAT_TEMPLATE);
            w.write(out);
            System.out.printf("%d tokens (%d merges) -> %s%n", tokens.size(), learned.size(), out);
            return 0;
        }
    }

    @Command(name = "data", description = "Tokenize training problems: TOKENS.u16 and an index of (offset, length, prompt length, level) int32 rows.")
    static final class Data implements Callable<Integer> {
        @Option(names = "--vocab", required = true) Path vocab;
        @Option(names = "--out", required = true, description = "output prefix: PREFIX.tokens.u16, PREFIX.index.i32") Path out;
        @Option(names = "--seed", defaultValue = "1") long seed;
        @Option(names = "--per-level", defaultValue = "20000") int perLevel;
        @Option(names = "--split", defaultValue = "TRAIN", description = "TRAIN or TEST problems") TestbedGenerator.Split split;

        @Override
        public Integer call() throws IOException {
            Tokenizer tok;
            try (GgufFile f = GgufFile.open(vocab)) {
                tok = Tokenizer.fromGguf(f);
            }
            Path tokens = Path.of(out + ".tokens.u16"), index = Path.of(out + ".index.i32");
            long offset = 0;
            int[] maxLen = new int[TestbedGenerator.MAX_LEVEL + 1];
            long[] sumLen = new long[TestbedGenerator.MAX_LEVEL + 1];
            int[] n = new int[TestbedGenerator.MAX_LEVEL + 1];
            Path tmpT = Files.createTempFile(tokens.toAbsolutePath().getParent(), "tokens", ".part");
            Path tmpI = Files.createTempFile(index.toAbsolutePath().getParent(), "index", ".part");
            try (DataOutputStream t = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmpT), 1 << 20));
                 DataOutputStream x = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmpI), 1 << 16))) {
                for (TestbedProblem p : problems(seed, perLevel, split)) {
                    int[] prompt = tok.encode(prompt(p), false, true);
                    int[] answer = tok.encode(p.solution(), false, true);
                    int len = prompt.length + answer.length + 1;
                    for (int id : prompt) writeU16(t, id);
                    for (int id : answer) writeU16(t, id);
                    writeU16(t, tok.eos());
                    for (int v : new int[] {(int) offset, len, prompt.length, p.level()}) x.writeInt(Integer.reverseBytes(v));
                    offset += len;
                    maxLen[p.level()] = Math.max(maxLen[p.level()], len);
                    sumLen[p.level()] += answer.length + 1;
                    n[p.level()]++;
                }
            }
            Files.move(tmpT, tokens, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmpI, index, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            for (int l = 1; l <= TestbedGenerator.MAX_LEVEL; l++)
                System.out.printf("level %d: %d problems, answer %.0f tokens on average, longest sample %d%n",
                        l, n[l], sumLen[l] / (double) Math.max(1, n[l]), maxLen[l]);
            System.out.printf("%d tokens -> %s%n", offset, tokens);
            return 0;
        }

        private static void writeU16(OutputStream o, int v) throws IOException {
            if (v < 0 || v > 0xFFFF) throw new IOException("token id " + v + " does not fit 16 bits");
            o.write(v & 0xFF);
            o.write(v >>> 8);
        }
    }

    @Command(name = "assemble", description = "Write the trained weights (WEIGHTS/manifest.json + raw f32 files) as a Qwen2 GGUF.")
    static final class Assemble implements Callable<Integer> {
        @Option(names = "--vocab", required = true) Path vocab;
        @Option(names = "--weights", required = true) Path weights;
        @Option(names = "--out", required = true) Path out;
        @Option(names = "--name", defaultValue = "lowbit-testbed") String name;

        @Override
        public Integer call() throws IOException {
            JsonNode m = new ObjectMapper().readTree(weights.resolve("manifest.json").toFile());
            JsonNode cfg = m.get("config");
            String a = "qwen2";
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", a);
            w.putString("general.name", name);
            w.putU32("general.file_type", 1);
            w.putU32(a + ".context_length", cfg.get("context_length").asInt());
            w.putU32(a + ".embedding_length", cfg.get("hidden").asInt());
            w.putU32(a + ".block_count", cfg.get("layers").asInt());
            w.putU32(a + ".feed_forward_length", cfg.get("ffn").asInt());
            w.putU32(a + ".attention.head_count", cfg.get("heads").asInt());
            w.putU32(a + ".attention.head_count_kv", cfg.get("kv_heads").asInt());
            w.putF32(a + ".attention.layer_norm_rms_epsilon", (float) cfg.get("rms_eps").asDouble());
            w.putF32(a + ".rope.freq_base", (float) cfg.get("rope_base").asDouble());
            for (Map.Entry<String, JsonNode> e : m.get("metadata").properties()) w.putString(e.getKey(), e.getValue().asText());
            try (GgufFile v = GgufFile.open(vocab)) {
                for (String k : v.metadata().keySet()) {
                    if (!k.startsWith("tokenizer.")) continue;
                    GgufValueType t = v.metadataType(k);
                    if (t == GgufValueType.ARRAY) w.putArray(k, v.arrayElementType(k), (List<?>) v.metadata().get(k));
                    else w.put(k, t, v.metadata().get(k));
                }
            }
            for (JsonNode t : m.get("tensors")) {
                long[] dims = new long[t.get("dims").size()];
                for (int i = 0; i < dims.length; i++) dims[i] = t.get("dims").get(i).asLong();
                byte[] raw = Files.readAllBytes(weights.resolve(t.get("file").asText()));
                float[] f = new float[raw.length / 4];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
                long cols = dims[0], rows = f.length / cols;
                if (cols * rows != f.length) throw new IOException(t.get("file").asText() + ": " + f.length + " floats for " + java.util.Arrays.toString(dims));
                GgmlType type = dims.length == 2 ? GgmlType.F16 : GgmlType.F32;   // matrices 16-bit, norms and biases F32
                w.addTensor(t.get("name").asText(), type, dims, Quant.fromFloat(type, f, rows, cols));
            }
            Path tmp = Files.createTempFile(out.toAbsolutePath().getParent(), "testbed", ".part");
            w.write(tmp);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            System.out.println("wrote " + out + " (" + Files.size(out) + " bytes)");
            return 0;
        }
    }
}
