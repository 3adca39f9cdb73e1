package dev.lowbit.tokenizer;

import dev.lowbit.gguf.GgufFile;

import java.util.Objects;

/**
 * The tokenizer part of a GGUF file's metadata (the tokenizer.ggml.* keys), validated.
 * Token ids that are absent are -1.
 *
 * @param model          tokenizer.ggml.model: "llama" (SentencePiece) or "gpt2" (byte-level BPE)
 * @param pre            tokenizer.ggml.pre (BPE pre-tokenizer name), may be null
 * @param tokens         token texts, index = id
 * @param scores         per-token scores (SentencePiece merge priority), may be null
 * @param types          per-token {@link TokenType}, may be null (all normal)
 * @param merges         BPE merges "left right", index = rank, may be null for SentencePiece
 * @param addBos         whether the model expects a BOS at the start of a prompt
 * @param addSpacePrefix SentencePiece: prefix raw text with a space (default true)
 * @param chatTemplate   tokenizer.chat_template, may be null
 */
public record Vocabulary(String model, String pre, String[] tokens, float[] scores, int[] types, String[] merges,
                         int bos, int eos, int eot, int eom, int unk, int pad,
                         boolean addBos, boolean addEos, boolean addSpacePrefix, String chatTemplate) {

    public Vocabulary {
        Objects.requireNonNull(model, "tokenizer.ggml.model is missing");
        Objects.requireNonNull(tokens, "tokenizer.ggml.tokens is missing");
        if (tokens.length == 0) throw new IllegalArgumentException("tokenizer.ggml.tokens is empty");
        if (scores != null && scores.length != tokens.length)
            throw new IllegalArgumentException("tokenizer.ggml.scores has " + scores.length + " entries for " + tokens.length + " tokens");
        if (types != null && types.length != tokens.length)
            throw new IllegalArgumentException("tokenizer.ggml.token_type has " + types.length + " entries for " + tokens.length + " tokens");
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == null) throw new IllegalArgumentException("token " + i + " is null");
        }
        bos = checkId("bos", bos, tokens.length);
        eos = checkId("eos", eos, tokens.length);
        eot = checkId("eot", eot, tokens.length);
        eom = checkId("eom", eom, tokens.length);
        unk = checkId("unknown", unk, tokens.length);
        pad = checkId("padding", pad, tokens.length);
    }

    /** an out-of-range id is treated as absent, as llama.cpp does (it warns and keeps the default) */
    private static int checkId(String what, int id, int n) {
        return id >= 0 && id < n ? id : -1;
    }

    public int size() {
        return tokens.length;
    }

    public int type(int id) {
        return types == null ? TokenType.NORMAL : types[id];
    }

    public float score(int id) {
        return scores == null ? 0f : scores[id];
    }

    /** Reads the standard tokenizer keys of an open GGUF file (the arrays are copied: the file may be closed after). */
    public static Vocabulary fromGguf(GgufFile f) {
        return fromMetadata(new Metadata() {
            @Override public String getString(String key) { return f.getString(key, null); }
            @Override public String[] getStringArray(String key) { return f.getStringArray(key); }
            @Override public float[] getFloatArray(String key) { return f.getFloatArray(key); }
            @Override public int[] getIntArray(String key) { return f.getIntArray(key); }
            @Override public int getId(String key) { return f.has(key) ? f.getInt(key) : -1; }
            @Override public boolean getBool(String key, boolean dflt) { return f.getBool(key, dflt); }
        });
    }

    /** Reads the standard GGUF tokenizer keys through a key lookup. */
    public static Vocabulary fromMetadata(Metadata m) {
        String model = m.getString("tokenizer.ggml.model");
        if (model == null) throw new IllegalArgumentException("GGUF has no tokenizer.ggml.model");
        String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
        if (tokens == null) throw new IllegalArgumentException("GGUF has no tokenizer.ggml.tokens");
        boolean spm = model.equals("llama");
        return new Vocabulary(model, m.getString("tokenizer.ggml.pre"), tokens,
                m.getFloatArray("tokenizer.ggml.scores"), m.getIntArray("tokenizer.ggml.token_type"),
                m.getStringArray("tokenizer.ggml.merges"),
                m.getId("tokenizer.ggml.bos_token_id"), m.getId("tokenizer.ggml.eos_token_id"),
                m.getId("tokenizer.ggml.eot_token_id"), m.getId("tokenizer.ggml.eom_token_id"),
                m.getId("tokenizer.ggml.unknown_token_id"), m.getId("tokenizer.ggml.padding_token_id"),
                m.getBool("tokenizer.ggml.add_bos_token", spm), m.getBool("tokenizer.ggml.add_eos_token", false),
                m.getBool("tokenizer.ggml.add_space_prefix", spm), m.getString("tokenizer.chat_template"));
    }

    /** Key lookup over GGUF metadata; every getter returns null (or the default) for an absent key. */
    public interface Metadata {
        String getString(String key);

        String[] getStringArray(String key);

        float[] getFloatArray(String key);

        int[] getIntArray(String key);

        /** a token id, -1 when absent */
        int getId(String key);

        boolean getBool(String key, boolean dflt);
    }
}
