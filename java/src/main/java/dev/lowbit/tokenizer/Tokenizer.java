package dev.lowbit.tokenizer;

import dev.lowbit.gguf.GgufFile;

/**
 * Text to token ids and back, built from a GGUF vocabulary. Behaves like llama.cpp's tokenizer:
 * SentencePiece-style ("llama") and byte-level BPE ("gpt2") vocabularies are supported.
 * Implementations are thread-safe.
 */
public interface Tokenizer {

    /**
     * @param addBos       prepend the BOS token (when the vocabulary has one)
     * @param parseSpecial match control-token texts (e.g. "&lt;|im_start|&gt;") in the text and emit their ids;
     *                     when false they are tokenized as plain text. User-defined tokens are always matched,
     *                     as llama.cpp does.
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /** Text of the ids; control tokens (BOS, EOS, ...) are left out. See {@link #decode(int[], boolean)}. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * Text of the ids. SentencePiece: the leading space of the first token is dropped, undoing the space
     * prefix that encoding adds; with control tokens hidden, a leading BOS is skipped for this rule, so
     * decode(encode(x, true, false)) == x; with them rendered the result is llama.cpp's ("&lt;s&gt; Once").
     *
     * @param renderSpecial render control tokens as their text instead of leaving them out
     */
    String decode(int[] ids, boolean renderSpecial);

    /** Text of one token: control tokens as their text; a byte token as that byte (possibly invalid UTF-8). */
    String piece(int id);

    /** Raw bytes of one token as it appears in decoded text (control tokens as their text). */
    byte[] pieceBytes(int id);

    int vocabSize();

    /** BOS id, -1 when the vocabulary has none */
    int bos();

    /** EOS id, -1 when the vocabulary has none */
    int eos();

    /** whether the model's metadata asks for BOS at the start of a prompt */
    boolean addBosByDefault();

    /** end of generation: EOS, EOT, and tokens such as &lt;|im_end|&gt;, &lt;|endoftext|&gt;, &lt;｜end▁of▁sentence｜&gt; */
    boolean isEog(int id);

    /** control or unknown token (BOS, EOS, &lt;|im_start|&gt;, ...): left out of decoded text unless rendered */
    boolean isControl(int id);

    /** tokenizer.chat_template, null when absent */
    String chatTemplate();

    /** the id of a token text, -1 when it is not in the vocabulary */
    int tokenId(String text);

    /** incremental decoding of generated ids; control tokens are left out */
    default StreamDecoder streamDecoder() {
        return streamDecoder(false);
    }

    StreamDecoder streamDecoder(boolean renderSpecial);

    /** the tokenizer described by a GGUF file's tokenizer.ggml.* keys */
    static Tokenizer fromGguf(GgufFile f) {
        return fromVocabulary(Vocabulary.fromGguf(f));
    }

    static Tokenizer fromVocabulary(Vocabulary v) {
        return switch (v.model()) {
            case "llama" -> new SpmTokenizer(v);
            case "gpt2" -> new BpeTokenizer(v);
            default -> throw new IllegalArgumentException("unsupported tokenizer model '" + dev.lowbit.util.Printable.of(v.model()) + "' (supported: llama, gpt2)");
        };
    }
}
