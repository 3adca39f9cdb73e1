package dev.lowbit.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What SentencePiece and BPE tokenizers share: the text/id tables, special-token handling, the
 * end-of-generation set, and byte-level decoding.
 */
abstract class BaseTokenizer implements Tokenizer {
    // Token texts that llama.cpp treats as end-of-turn / end-of-generation even when the GGUF does not
    // say so; they are also forced to control type.
    private static final Set<String> EOT_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    private static final Set<String> EOG_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>");
    // fill-in-the-middle markers: control type; pad/repo/file-separator also end generation
    private static final Set<String> FIM_TEXTS = Set.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
            "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
            "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|fim_middle|>", "<fim-middle>", "<fim_middle>",
            "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>");
    private static final Set<String> FIM_EOG_TEXTS = Set.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>",
            "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", "<|file_sep|>");

    final Vocabulary vocab;
    final String[] texts;
    final int[] types;
    final Map<String, Integer> ids;
    private final boolean[] eog;
    private final byte[][] pieces;
    private final SpecialSplitter splitParsed;  // control + unknown + user-defined
    private final SpecialSplitter splitPlain;   // user-defined only

    BaseTokenizer(Vocabulary v) {
        this.vocab = v;
        int n = v.size();
        this.texts = v.tokens();
        this.types = new int[n];
        this.ids = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            types[i] = v.type(i);
            ids.put(texts[i], i); // a duplicate text maps to its last id, as in llama.cpp
        }
        this.eog = new boolean[n];
        int eot = v.eot();
        for (int i = 0; i < n; i++) {
            String t = texts[i];
            if (EOT_TEXTS.contains(t) || EOG_TEXTS.contains(t) || FIM_TEXTS.contains(t) || FIM_EOG_TEXTS.contains(t)) {
                types[i] = TokenType.CONTROL;
            }
            if (EOG_TEXTS.contains(t) || FIM_EOG_TEXTS.contains(t)) eog[i] = true;
            if (eot < 0 && EOT_TEXTS.contains(t)) eot = i;
        }
        if (v.eos() >= 0) eog[v.eos()] = true;
        if (eot >= 0) eog[eot] = true;
        if (v.eom() >= 0) eog[v.eom()] = true;

        List<Integer> parsed = new ArrayList<>();
        List<Integer> plain = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int t = types[i];
            if (t == TokenType.CONTROL || t == TokenType.UNKNOWN || t == TokenType.USER_DEFINED) parsed.add(i);
            if (t == TokenType.USER_DEFINED) plain.add(i);
        }
        this.splitParsed = new SpecialSplitter(texts, parsed);
        this.splitPlain = new SpecialSplitter(texts, plain);

        this.pieces = new byte[n][];
        for (int i = 0; i < n; i++) pieces[i] = computePiece(i);
    }

    /** bytes of token id in decoded text */
    abstract byte[] computePiece(int id);

    /** tokenizes the fragments (raw text and already-identified special tokens) into out */
    abstract void encodeFragments(List<Fragment> fragments, IntList out);

    /** SentencePiece drops the space its encoder put in front of the text; BPE does not */
    abstract boolean stripsLeadingSpace();

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        if (text == null) throw new IllegalArgumentException("text is null");
        IntList out = new IntList();
        if (addBos && vocab.bos() >= 0) out.add(vocab.bos());
        encodeFragments((parseSpecial ? splitParsed : splitPlain).split(text), out);
        return out.toArray();
    }

    @Override
    public String decode(int[] tokenIds, boolean renderSpecial) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        // SentencePiece: drop the space the encoder put in front of the text. A rendered BOS keeps the space
        // after it ("<s> Once", as llama.cpp prints); a hidden BOS does not ("Once", the original text).
        int strip = -1;
        if (stripsLeadingSpace() && tokenIds.length > 0) {
            strip = !renderSpecial && tokenIds[0] == vocab.bos() ? 1 : 0;
        }
        for (int i = 0; i < tokenIds.length; i++) {
            int id = tokenIds[i];
            checkId(id);
            if (!renderSpecial && isControl(id)) continue;
            byte[] p = pieces[id];
            int off = i == strip && p.length > 0 && p[0] == ' ' ? 1 : 0;
            buf.write(p, off, p.length - off);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** control and unknown tokens: hidden in decoded text unless asked for (llama.cpp does the same) */
    @Override
    public boolean isControl(int id) {
        checkId(id);
        return types[id] == TokenType.CONTROL || types[id] == TokenType.UNKNOWN;
    }

    private void checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + texts.length + ")");
        }
    }

    @Override
    public String piece(int id) {
        return new String(pieceBytes(id), StandardCharsets.UTF_8);
    }

    @Override
    public byte[] pieceBytes(int id) {
        checkId(id);
        return pieces[id].clone();
    }

    @Override
    public int vocabSize() {
        return texts.length;
    }

    @Override
    public int bos() {
        return vocab.bos();
    }

    @Override
    public int eos() {
        return vocab.eos();
    }

    @Override
    public boolean addBosByDefault() {
        return vocab.addBos() && vocab.bos() >= 0;
    }

    @Override
    public boolean isEog(int id) {
        return id >= 0 && id < eog.length && eog[id];
    }

    @Override
    public String chatTemplate() {
        return vocab.chatTemplate();
    }

    @Override
    public int tokenId(String text) {
        Integer id = ids.get(text);
        return id == null ? -1 : id;
    }

    @Override
    public StreamDecoder streamDecoder(boolean renderSpecial) {
        return new StreamDecoder(this, renderSpecial);
    }

    /** id of "&lt;0xXX&gt;" byte token text, or -1 */
    static int parseByteToken(String t) {
        if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
            try {
                return Integer.parseInt(t.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
