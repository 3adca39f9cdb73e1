package dev.lowbit.model;

import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufValueType;
import dev.lowbit.gguf.GgufWriter;
import dev.lowbit.gguf.TensorSource;
import dev.lowbit.gguf.Quant;
import dev.lowbit.model.Architecture.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF models with real shapes and random weights (and a real vocabulary copied from a
 * tokenizer GGUF), for tests and speed measurements where real checkpoints cannot be had.
 * Weights are uniform with std `1/sqrt(fan_in)`; the output head is scaled by `logitScale` so
 * logits are peaked and greedy decoding is stable across engines.
 */
public final class SyntheticModel {
    /** shape and type of a synthetic model */
    public record Spec(String arch, int nEmbd, int nLayer, int nHead, int nKvHead, int headDim, int nFf, int vocab, int ctx,
                       boolean tied, GgmlType type, long seed, float logitScale) {
        /** Qwen2.5-0.5B: hidden 896, 24 layers, 14/2 heads, FFN 4864, vocab 151936, tied */
        public static Spec qwen25_05b(GgmlType type) {
            return new Spec("qwen2", 896, 24, 14, 2, 64, 4864, 151936, 32768, true, type, 7, 24f);
        }

        /** DeepSeek-R1-Distill-Qwen-1.5B: hidden 1536, 28 layers, 12/2 heads, FFN 8960, untied */
        public static Spec r1Qwen15b(GgmlType type) {
            return new Spec("qwen2", 1536, 28, 12, 2, 128, 8960, 151936, 32768, false, type, 7, 24f);
        }

        /** Qwen3-0.6B: hidden 1024, 28 layers, 16/8 heads of 128 (q width 2048), FFN 3072, tied */
        public static Spec qwen3_06b(GgmlType type) {
            return new Spec("qwen3", 1024, 28, 16, 8, 128, 3072, 151936, 40960, true, type, 7, 24f);
        }

        /** a Llama-2-like model scaled down (untied output, GQA 16/4 heads of 64): hidden 1024, FFN 2816, vocab 32000 */
        public static Spec llamaSmall(GgmlType type) {
            return new Spec("llama", 1024, 22, 16, 4, 64, 2816, 32000, 4096, false, type, 7, 24f);
        }

        public Spec withType(GgmlType t) {
            return new Spec(arch, nEmbd, nLayer, nHead, nKvHead, headDim, nFf, vocab, ctx, tied, t, seed, logitScale);
        }

        public Spec withLayers(int n) {
            return new Spec(arch, nEmbd, n, nHead, nKvHead, headDim, nFf, vocab, ctx, tied, type, seed, logitScale);
        }

        public Spec withVocab(int v) {
            return new Spec(arch, nEmbd, nLayer, nHead, nKvHead, headDim, nFf, v, ctx, tied, type, seed, logitScale);
        }
    }

    private SyntheticModel() {}

    /**
     * @param vocabFrom a tokenizer GGUF whose tokenizer.* metadata is copied (its token count must
     *                  not exceed spec.vocab)
     */
    public static void write(Spec s, GgufFile vocabFrom, Path out) throws IOException {
        Architecture arch = Architecture.of(s.arch());
        String a = arch.name();
        int headDim = s.headDim();
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", a);
        w.putString("general.name", "lowbit-synthetic-" + a + "-" + s.nEmbd() + "x" + s.nLayer());
        w.putU32(a + ".context_length", s.ctx());
        w.putU32(a + ".embedding_length", s.nEmbd());
        w.putU32(a + ".block_count", s.nLayer());
        w.putU32(a + ".feed_forward_length", s.nFf());
        w.putU32(a + ".attention.head_count", s.nHead());
        w.putU32(a + ".attention.head_count_kv", s.nKvHead());
        w.putF32(a + ".attention.layer_norm_rms_epsilon", 1e-6f);
        w.putF32(a + ".rope.freq_base", arch.ropeBase());
        if (headDim * s.nHead() != s.nEmbd()) {
            w.putU32(a + ".attention.key_length", headDim);
            w.putU32(a + ".attention.value_length", headDim);
        }
        w.putU32("general.file_type", fileType(s.type()));
        String[] tokens = vocabFrom.getStringArray("tokenizer.ggml.tokens");
        if (tokens == null || tokens.length > s.vocab())
            throw new IllegalArgumentException("vocabulary source has " + (tokens == null ? "no" : tokens.length) + " tokens, model " + s.vocab());
        for (Map.Entry<String, Object> e : vocabFrom.metadata().entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("tokenizer.")) continue;
            GgufValueType t = vocabFrom.metadataType(k);
            if (t == GgufValueType.ARRAY) w.putArray(k, vocabFrom.arrayElementType(k), padded(k, (List<?>) e.getValue(), s.vocab()));
            else w.put(k, t, e.getValue());
        }

        // the tensors every file of the family holds (and the untied head), in llama.cpp's order
        long seed = s.seed();
        int d = s.nEmbd(), qd = s.nHead() * headDim, kvd = s.nKvHead() * headDim;
        w.addTensor(arch.name(Tensor.TOKEN_EMBD), s.type(), new long[] {d, s.vocab()}, src(s.type(), s.vocab(), d, 1f, seed++, s.tied()));
        for (int l = 0; l < s.nLayer(); l++) {
            w.addTensor(arch.name(Tensor.ATTN_NORM, l), GgmlType.F32, new long[] {d}, ones(d, seed++));
            w.addTensor(arch.name(Tensor.ATTN_Q, l), s.type(), new long[] {d, qd}, src(s.type(), qd, d, fan(d), seed++));
            w.addTensor(arch.name(Tensor.ATTN_K, l), s.type(), new long[] {d, kvd}, src(s.type(), kvd, d, fan(d), seed++));
            w.addTensor(arch.name(Tensor.ATTN_V, l), s.type(), new long[] {d, kvd}, src(s.type(), kvd, d, fan(d), seed++));
            if (arch.requires(Tensor.ATTN_Q_BIAS)) w.addTensor(arch.name(Tensor.ATTN_Q_BIAS, l), GgmlType.F32, new long[] {qd}, vec(qd, 0.1f, seed++));
            if (arch.requires(Tensor.ATTN_K_BIAS)) w.addTensor(arch.name(Tensor.ATTN_K_BIAS, l), GgmlType.F32, new long[] {kvd}, vec(kvd, 0.1f, seed++));
            if (arch.requires(Tensor.ATTN_V_BIAS)) w.addTensor(arch.name(Tensor.ATTN_V_BIAS, l), GgmlType.F32, new long[] {kvd}, vec(kvd, 0.1f, seed++));
            if (arch.requires(Tensor.ATTN_Q_NORM)) w.addTensor(arch.name(Tensor.ATTN_Q_NORM, l), GgmlType.F32, new long[] {headDim}, ones(headDim, seed++));
            if (arch.requires(Tensor.ATTN_K_NORM)) w.addTensor(arch.name(Tensor.ATTN_K_NORM, l), GgmlType.F32, new long[] {headDim}, ones(headDim, seed++));
            w.addTensor(arch.name(Tensor.ATTN_OUT, l), s.type(), new long[] {qd, d}, src(s.type(), d, qd, fan(qd), seed++));
            w.addTensor(arch.name(Tensor.FFN_NORM, l), GgmlType.F32, new long[] {d}, ones(d, seed++));
            w.addTensor(arch.name(Tensor.FFN_GATE, l), s.type(), new long[] {d, s.nFf()}, src(s.type(), s.nFf(), d, fan(d), seed++));
            w.addTensor(arch.name(Tensor.FFN_UP, l), s.type(), new long[] {d, s.nFf()}, src(s.type(), s.nFf(), d, fan(d), seed++));
            w.addTensor(arch.name(Tensor.FFN_DOWN, l), s.type(), new long[] {s.nFf(), d}, src(s.type(), d, s.nFf(), fan(s.nFf()), seed++));
        }
        w.addTensor(arch.name(Tensor.OUTPUT_NORM), GgmlType.F32, new long[] {d}, ones(d, seed++));
        if (!s.tied())
            w.addTensor(arch.name(Tensor.OUTPUT), s.type(), new long[] {d, s.vocab()}, src(s.type(), s.vocab(), d, s.logitScale() * fan(d), seed++, true));
        w.write(out);
    }

    /**
     * per-token arrays padded to the embedding's row count, as converters do for Qwen
     * ("[PADn]" tokens of type UNUSED): readers expect one token per embedding row
     */
    private static List<?> padded(String key, List<?> values, int vocab) {
        if (values.size() >= vocab) return values;
        List<Object> out = new java.util.ArrayList<>(values);
        for (int i = values.size(); i < vocab; i++) {
            switch (key) {
                case "tokenizer.ggml.tokens" -> out.add("[PAD" + i + "]");
                case "tokenizer.ggml.token_type" -> out.add(5);
                case "tokenizer.ggml.scores" -> out.add(0f);
                default -> {
                    return values;
                }
            }
        }
        return out;
    }

    private static float fan(int fanIn) {
        return (float) (1.0 / Math.sqrt(fanIn));
    }

    private static int fileType(GgmlType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q4_1 -> 3;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> 0;
        };
    }

    /** rows x cols uniform weights with standard deviation `std`, streamed in row chunks */
    private static TensorSource src(GgmlType type, int rows, int cols, float std, long seed) {
        return src(type, rows, cols, std, seed, false);
    }

    /**
     * @param spreadRows give rows norms spread over e^-2..e^2 (output heads): the largest logits
     *                   then stand well apart, so greedy decoding does not hinge on near-ties
     */
    private static TensorSource src(GgmlType type, int rows, int cols, float std, long seed, boolean spreadRows) {
        return ch -> {
            int chunk = Math.max(1, (1 << 20) / cols);
            float amp = std * (float) Math.sqrt(3);
            for (int r0 = 0; r0 < rows; r0 += chunk) {
                int n = Math.min(chunk, rows - r0);
                float[] v = new float[n * cols];
                long state = seed * 0x9E3779B97F4A7C15L + r0;
                for (int i = 0; i < v.length; i++) v[i] = amp * uniform(state + i);
                if (spreadRows)
                    for (int r = 0; r < n; r++) {
                        float scale = (float) Math.exp(2 * uniform(~(seed + r0 + r)));
                        for (int c = 0; c < cols; c++) v[r * cols + c] *= scale;
                    }
                ByteBuffer b = Quant.fromFloat(type, v, n, cols);
                while (b.hasRemaining()) ch.write(b);
            }
        };
    }

    private static ByteBuffer ones(int n, long seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 1f + 0.1f * uniform(seed * 31 + i);
        return Quant.fromFloat(GgmlType.F32, v, 1, n);
    }

    private static ByteBuffer vec(int n, float amp, long seed) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = amp * uniform(seed * 131 + i);
        return Quant.fromFloat(GgmlType.F32, v, 1, n);
    }

    /** a uniform number in [-1, 1) from a counter (splitmix64 finaliser): fast and reproducible */
    static float uniform(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        x ^= x >>> 31;
        return ((x >>> 40) * 0x1.0p-24f) * 2f - 1f;
    }
}
