package dev.lowbit.model;

import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.util.Printable;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One entry per supported architecture (GGUF {@code general.architecture}), in the manner of llama.cpp's
 * LLM_TENSOR_NAMES: the tensors a file of the family holds (per-layer names are patterns of the layer index),
 * which of them may be absent, the RoPE pairing, and the chat template used when the file carries none.
 * Everything that depends on the architecture's name is read from here: the loader, the forward pass,
 * the synthetic-model writer and the test oracles. Adding an architecture whose blocks compute what
 * these do (pre-norm attention with optional biases / QK-norm, SwiGLU) is one entry in {@link #ALL};
 * a block that computes something else also needs its operation in {@link Transformer}.
 *
 * @param name         the GGUF general.architecture value, also the prefix of its hyper-parameter keys
 * @param tensors      every tensor the family may hold, by kind: its name, or pattern of the layer index
 * @param optional     the kinds of {@code tensors} a file may lack (tied output, Llama-3.1 rope factors, ...)
 * @param rope         how RoPE pairs a head's dimensions
 * @param chatTemplate the {@code ChatTemplate} name used when the file has no tokenizer.chat_template
 * @param ropeBase     the RoPE frequency base the family's checkpoints use (written by synthetic models;
 *                     a file without the key is read with llama's 10000, as llama.cpp does)
 */
public record Architecture(String name, Map<Tensor, String> tensors, Set<Tensor> optional, RopeStyle rope, String chatTemplate,
                           float ropeBase) {

    /** how RoPE pairs dimensions: adjacent (2i, 2i+1) as in llama, or halves (i, i + dim/2) as GPT-NeoX and Qwen */
    public enum RopeStyle { NORMAL, NEOX }

    /** the kinds of tensors a model is made of */
    public enum Tensor {
        TOKEN_EMBD, OUTPUT_NORM, OUTPUT, ROPE_FREQS,
        ATTN_NORM, ATTN_Q, ATTN_K, ATTN_V, ATTN_OUT, ATTN_Q_BIAS, ATTN_K_BIAS, ATTN_V_BIAS, ATTN_Q_NORM, ATTN_K_NORM,
        FFN_NORM, FFN_GATE, FFN_UP, FFN_DOWN;

        /** the linear layers of a block, in the order of QuantPlan.MATRICES and LayerWeights.linears() */
        public static final List<Tensor> LINEARS = List.of(ATTN_Q, ATTN_K, ATTN_V, ATTN_OUT, FFN_GATE, FFN_UP, FFN_DOWN);

        /** a kind only some families have (biases, QK-norm); every entry names all the others */
        boolean extra() {
            return this == ATTN_Q_BIAS || this == ATTN_K_BIAS || this == ATTN_V_BIAS || this == ATTN_Q_NORM || this == ATTN_K_NORM;
        }
    }

    /** the names llama.cpp's converters write for the llama-style families */
    private static Map<Tensor, String> llamaNames(Tensor... extra) {
        Map<Tensor, String> m = new EnumMap<>(Tensor.class);
        m.put(Tensor.TOKEN_EMBD, "token_embd.weight");
        m.put(Tensor.OUTPUT_NORM, "output_norm.weight");
        m.put(Tensor.OUTPUT, "output.weight");
        m.put(Tensor.ROPE_FREQS, "rope_freqs.weight");
        m.put(Tensor.ATTN_NORM, "blk.%d.attn_norm.weight");
        m.put(Tensor.ATTN_Q, "blk.%d.attn_q.weight");
        m.put(Tensor.ATTN_K, "blk.%d.attn_k.weight");
        m.put(Tensor.ATTN_V, "blk.%d.attn_v.weight");
        m.put(Tensor.ATTN_OUT, "blk.%d.attn_output.weight");
        m.put(Tensor.FFN_NORM, "blk.%d.ffn_norm.weight");
        m.put(Tensor.FFN_GATE, "blk.%d.ffn_gate.weight");
        m.put(Tensor.FFN_UP, "blk.%d.ffn_up.weight");
        m.put(Tensor.FFN_DOWN, "blk.%d.ffn_down.weight");
        for (Tensor t : extra) {
            m.put(t, switch (t) {
                case ATTN_Q_BIAS -> "blk.%d.attn_q.bias";
                case ATTN_K_BIAS -> "blk.%d.attn_k.bias";
                case ATTN_V_BIAS -> "blk.%d.attn_v.bias";
                case ATTN_Q_NORM -> "blk.%d.attn_q_norm.weight";
                case ATTN_K_NORM -> "blk.%d.attn_k_norm.weight";
                default -> throw new IllegalArgumentException("no llama-style name for " + t);
            });
        }
        return m;
    }

    private static final Tensor[] QKV_BIAS = {Tensor.ATTN_Q_BIAS, Tensor.ATTN_K_BIAS, Tensor.ATTN_V_BIAS};

    /** Llama 1/2/3 (and TinyStories' llama2.c exports): adjacent RoPE pairs; a Q/K/V bias is read where a file has one */
    public static final Architecture LLAMA = new Architecture("llama", llamaNames(QKV_BIAS),
            EnumSet.of(Tensor.OUTPUT, Tensor.ROPE_FREQS, Tensor.ATTN_Q_BIAS, Tensor.ATTN_K_BIAS, Tensor.ATTN_V_BIAS),
            RopeStyle.NORMAL, "raw", 10000f);
    /** Qwen2 / Qwen2.5 (and the DeepSeek-R1 Qwen distills): Q/K/V biases, NeoX RoPE */
    public static final Architecture QWEN2 = new Architecture("qwen2", llamaNames(QKV_BIAS),
            EnumSet.of(Tensor.OUTPUT, Tensor.ROPE_FREQS), RopeStyle.NEOX, "raw", 1000000f);
    /** Qwen3: per-head RMSNorm of Q and K before RoPE, no biases, NeoX RoPE */
    public static final Architecture QWEN3 = new Architecture("qwen3", llamaNames(Tensor.ATTN_Q_NORM, Tensor.ATTN_K_NORM),
            EnumSet.of(Tensor.OUTPUT, Tensor.ROPE_FREQS), RopeStyle.NEOX, "raw", 1000000f);

    /** the table: every supported architecture */
    public static final List<Architecture> ALL = List.of(LLAMA, QWEN2, QWEN3);

    public Architecture {
        tensors = Map.copyOf(tensors);
        optional = Set.copyOf(optional);
        for (Tensor t : Tensor.values())
            if (!tensors.containsKey(t) && !t.extra()) throw new IllegalArgumentException(name + ": no name for " + t);
        if (!tensors.keySet().containsAll(optional)) throw new IllegalArgumentException(name + ": an optional tensor without a name");
    }

    /** the entry of a GGUF general.architecture value; one line naming the supported ones otherwise */
    public static Architecture of(String name) throws GgufFormatException {
        for (Architecture a : ALL) if (a.name.equals(name)) return a;
        throw new GgufFormatException("unsupported architecture '" + Printable.of(name) + "' (supported: "
                + ALL.stream().map(Architecture::name).collect(Collectors.joining(", ")) + ")");
    }

    /** whether the family's files may hold this kind of tensor */
    public boolean has(Tensor t) {
        return tensors.containsKey(t);
    }

    /** whether every file of the family holds this kind of tensor */
    public boolean requires(Tensor t) {
        return has(t) && !optional.contains(t);
    }

    /** the name of a model-level tensor (token_embd.weight, ...) */
    public String name(Tensor t) {
        String n = tensors.get(t);
        if (n == null) throw new IllegalArgumentException(name + " has no " + t + " tensor");
        return n;
    }

    /** the name of a tensor of block `layer` (blk.3.attn_q.weight, ...) */
    public String name(Tensor t, int layer) {
        return String.format(java.util.Locale.ROOT, name(t), layer);
    }

    /** Q/K/V biases are part of the family (written by synthetic models) */
    public boolean qkvBias() {
        return requires(Tensor.ATTN_Q_BIAS);
    }

    /** per-head RMSNorm of Q and K before RoPE */
    public boolean qkNorm() {
        return requires(Tensor.ATTN_Q_NORM);
    }

    @Override
    public String toString() {
        return name;
    }
}
