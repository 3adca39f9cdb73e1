package dev.lowbit.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Learns byte-level BPE merges from sample texts, for vocabularies the project builds itself (the
 * testbed model's). Words are split by the same pre-tokenizer the {@link Tokenizer} applies, so a
 * merge never crosses a boundary the encoder keeps; the most frequent adjacent pair is merged first
 * (ties broken by the pair's text, so training is deterministic).
 */
public final class BpeTrainer {
    private BpeTrainer() {}

    /** the 256 single-byte tokens of a byte-level vocabulary, in byte order */
    public static List<String> byteTokens() {
        List<String> out = new ArrayList<>(256);
        for (int b = 0; b < 256; b++) out.add(ByteUnicode.encode(new byte[] {(byte) b}));
        return out;
    }

    /**
     * @param pre    the pre-tokenizer name (tokenizer.ggml.pre) the vocabulary will carry
     * @param merges how many merges to learn at most (fewer when no pair occurs twice)
     * @return merges as tokenizer.ggml.merges stores them ("left right"), rank order
     */
    public static List<String> train(Iterable<String> texts, String pre, int merges) {
        PreTokenizer p = PreTokenizer.forName(pre);
        Map<String, Integer> counts = new HashMap<>();
        for (String t : texts)
            for (String w : p.split(t)) counts.merge(ByteUnicode.encode(w.getBytes(StandardCharsets.UTF_8)), 1, Integer::sum);
        List<List<String>> words = new ArrayList<>();
        List<Integer> freq = new ArrayList<>();
        counts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            List<String> symbols = new ArrayList<>();
            e.getKey().codePoints().forEach(cp -> symbols.add(new String(Character.toChars(cp))));
            words.add(symbols);
            freq.add(e.getValue());
        });
        List<String> out = new ArrayList<>();
        while (out.size() < merges) {
            Map<String, Integer> pairs = new HashMap<>();
            for (int i = 0; i < words.size(); i++) {
                List<String> s = words.get(i);
                for (int k = 0; k + 1 < s.size(); k++) pairs.merge(s.get(k) + " " + s.get(k + 1), freq.get(i), Integer::sum);
            }
            String best = null;
            int bestCount = 1;
            for (Map.Entry<String, Integer> e : pairs.entrySet()) {
                int c = e.getValue();
                if (c > bestCount || (c == bestCount && best != null && e.getKey().compareTo(best) < 0)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best == null) break;
            out.add(best);
            int sp = best.indexOf(' ');
            String left = best.substring(0, sp), right = best.substring(sp + 1), joined = left + right;
            for (List<String> s : words) {
                for (int k = 0; k + 1 < s.size(); k++) {
                    if (s.get(k).equals(left) && s.get(k + 1).equals(right)) {
                        s.set(k, joined);
                        s.remove(k + 1);
                    }
                }
            }
        }
        return out;
    }

    /** the token a merge produces ("Ġ w" gives "Ġw") */
    public static String mergedToken(String merge) {
        int sp = merge.indexOf(' ');
        return merge.substring(0, sp) + merge.substring(sp + 1);
    }
}
