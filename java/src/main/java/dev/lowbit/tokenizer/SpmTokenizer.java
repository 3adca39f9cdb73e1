package dev.lowbit.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.PriorityQueue;

/**
 * SentencePiece-style BPE (tokenizer.ggml.model = "llama"), as llama.cpp runs it: spaces become '▁', a
 * space is put in front of text at the start and after each special token, adjacent pieces are merged
 * highest score first (leftmost on ties) while the merged text is a token, and characters that never
 * became a token fall back to their UTF-8 bytes as &lt;0xXX&gt; tokens.
 */
final class SpmTokenizer extends BaseTokenizer {
    private static final char SPACE_MARK = '\u2581'; // ▁

    private final int[] byteTokens = new int[256];

    SpmTokenizer(Vocabulary v) {
        super(v);
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.format("<0x%02X>", b));
            if (id == null && b < 0x80) id = ids.get(String.valueOf((char) b));
            byteTokens[b] = id != null ? id : v.unk();
        }
    }

    @Override
    boolean stripsLeadingSpace() {
        return vocab.addSpacePrefix();
    }

    @Override
    byte[] computePiece(int id) {
        String t = texts[id];
        int type = types[id];
        if (type == TokenType.BYTE) {
            int b = parseByteToken(t);
            if (b >= 0) return new byte[] {(byte) b};
        }
        if (type == TokenType.NORMAL || type == TokenType.UNDEFINED) t = t.replace(SPACE_MARK, ' ');
        return t.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    void encodeFragments(List<Fragment> fragments, IntList out) {
        boolean afterSpecial = true; // the first raw text gets the space prefix too
        for (Fragment f : fragments) {
            if (f.isToken()) {
                out.add(f.token());
                afterSpecial = true;
                continue;
            }
            String t = vocab.addSpacePrefix() && afterSpecial ? " " + f.text() : f.text();
            encodeText(t.replace(' ', SPACE_MARK), out);
            afterSpecial = false;
        }
    }

    private record Bigram(int left, int right, float score, int size) {}

    private void encodeText(String s, IntList out) {
        int cps = s.codePointCount(0, s.length());
        if (cps == 0) return;
        int[] start = new int[cps], len = new int[cps], prev = new int[cps], next = new int[cps];
        for (int i = 0, pos = 0; i < cps; i++) {
            int cp = s.codePointAt(pos);
            start[i] = pos;
            len[i] = Character.charCount(cp);
            prev[i] = i - 1;
            next[i] = i + 1 < cps ? i + 1 : -1;
            pos += len[i];
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(cps,
                (a, b) -> a.score != b.score ? Float.compare(b.score, a.score) : Integer.compare(a.left, b.left));
        for (int i = 1; i < cps; i++) addBigram(queue, s, start, len, i - 1, i);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left, r = bg.right;
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size) continue; // outdated
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            addBigram(queue, s, start, len, prev[l], l);
            addBigram(queue, s, start, len, l, next[l]);
        }
        for (int i = 0; i != -1; i = next[i]) {
            String sym = s.substring(start[i], start[i] + len[i]);
            Integer id = ids.get(sym);
            if (id != null) {
                out.add(id);
                continue;
            }
            for (byte b : sym.getBytes(StandardCharsets.UTF_8)) {
                int bt = byteTokens[b & 0xFF];
                if (bt < 0) throw new IllegalStateException("vocabulary has no token for byte " + (b & 0xFF) + " and no unknown token");
                out.add(bt);
            }
        }
    }

    private void addBigram(PriorityQueue<Bigram> queue, String s, int[] start, int[] len, int l, int r) {
        if (l < 0 || r < 0) return;
        Integer id = ids.get(s.substring(start[l], start[l] + len[l] + len[r]));
        if (id == null) return;
        queue.add(new Bigram(l, r, vocab.score(id), len[l] + len[r]));
    }
}
