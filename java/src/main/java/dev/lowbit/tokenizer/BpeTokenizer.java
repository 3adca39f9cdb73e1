package dev.lowbit.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE (tokenizer.ggml.model = "gpt2"): pre-tokenize with the regexes named by
 * tokenizer.ggml.pre, map each word's UTF-8 bytes to GPT-2 characters, then apply merges lowest rank
 * first (leftmost on ties), as llama.cpp does.
 */
final class BpeTokenizer extends BaseTokenizer {
    private static final int WORD_CACHE_LIMIT = 1 << 16;

    private final PreTokenizer pre;
    private final Map<String, Integer> ranks;
    private final boolean ignoreMerges;
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

    BpeTokenizer(Vocabulary v) {
        super(v);
        this.pre = PreTokenizer.forName(v.pre());
        this.ignoreMerges = pre.ignoresMerges();
        String[] merges = v.merges();
        if (merges == null) throw new IllegalArgumentException("BPE vocabulary has no tokenizer.ggml.merges");
        this.ranks = new HashMap<>(merges.length * 2);
        for (int r = 0; r < merges.length; r++) {
            String m = merges[r];
            int sp = m.indexOf(' ', 1);
            if (sp < 0) throw new IllegalArgumentException("merge " + r + " has no space: '" + m + "'");
            ranks.putIfAbsent(m, r); // key "left right"; the first occurrence keeps its rank
        }
    }

    @Override
    boolean stripsLeadingSpace() {
        return false;
    }

    @Override
    byte[] computePiece(int id) {
        String t = texts[id];
        int type = types[id];
        if (type == TokenType.CONTROL || type == TokenType.UNKNOWN || type == TokenType.USER_DEFINED) {
            return t.getBytes(StandardCharsets.UTF_8);
        }
        if (type == TokenType.BYTE) {
            int b = parseByteToken(t);
            if (b >= 0) return new byte[] {(byte) b};
        }
        // normal text: each character stands for one byte; anything outside the mapping is kept as is
        ByteArrayOutputStream out = new ByteArrayOutputStream(t.length());
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            int b = ByteUnicode.byteOf(cp);
            if (b >= 0) out.write(b);
            else out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
            i += Character.charCount(cp);
        }
        return out.toByteArray();
    }

    @Override
    void encodeFragments(List<Fragment> fragments, IntList out) {
        for (Fragment f : fragments) {
            if (f.isToken()) {
                out.add(f.token());
                continue;
            }
            for (String word : pre.split(f.text())) {
                out.addAll(encodeWord(ByteUnicode.encode(word.getBytes(StandardCharsets.UTF_8))));
            }
        }
    }

    private int[] encodeWord(String word) {
        int[] cached = wordCache.get(word);
        if (cached != null) return cached;
        int[] ids = mergeWord(word);
        if (wordCache.size() >= WORD_CACHE_LIMIT) wordCache.clear();
        wordCache.put(word, ids);
        return ids;
    }

    private record Bigram(int left, int right, int rank, int size) {}

    /** merges one mapped word; symbols are [start, start+len) ranges of word kept in a linked list */
    private int[] mergeWord(String word) {
        IntList out = new IntList();
        if (ignoreMerges) {
            Integer whole = ids.get(word);
            if (whole != null) return new int[] {whole};
        }
        int n = word.length(); // mapped characters are all in the BMP: one char per byte
        int[] start = new int[n], len = new int[n], prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            start[i] = i;
            len[i] = 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n),
                (a, b) -> a.rank != b.rank ? Integer.compare(a.rank, b.rank) : Integer.compare(a.left, b.left));
        for (int i = 1; i < n; i++) addBigram(queue, word, start, len, i - 1, i);
        while (!queue.isEmpty()) {
            Bigram bg = queue.poll();
            int l = bg.left, r = bg.right;
            // symbols only grow, so an unchanged total length means neither side changed since queued
            if (len[l] == 0 || len[r] == 0 || len[l] + len[r] != bg.size) continue;
            len[l] += len[r];
            len[r] = 0;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            addBigram(queue, word, start, len, prev[l], l);
            addBigram(queue, word, start, len, l, next[l]);
        }
        for (int i = 0; i != -1 && n > 0; i = next[i]) {
            String sym = word.substring(start[i], start[i] + len[i]);
            Integer id = ids.get(sym);
            if (id != null) {
                out.add(id);
            } else {
                // not in the vocabulary: llama.cpp emits whatever single characters are tokens
                for (int k = 0; k < sym.length(); k++) {
                    Integer c = ids.get(String.valueOf(sym.charAt(k)));
                    if (c != null && sym.charAt(k) < 0x80) out.add(c);
                }
            }
        }
        return out.toArray();
    }

    private void addBigram(PriorityQueue<Bigram> queue, String word, int[] start, int[] len, int l, int r) {
        if (l < 0 || r < 0) return;
        String key = word.substring(start[l], start[l] + len[l]) + ' ' + word.substring(start[r], start[r] + len[r]);
        Integer rank = ranks.get(key);
        if (rank != null) queue.add(new Bigram(l, r, rank, len[l] + len[r]));
    }
}
