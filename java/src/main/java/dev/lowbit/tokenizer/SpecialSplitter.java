package dev.lowbit.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts special-token texts out of the input before normal tokenization. Like llama.cpp, the candidate
 * tokens are tried longest text first, each one splitting every remaining raw-text fragment at all of
 * its occurrences (so a longer token wins over a shorter one that overlaps it).
 */
final class SpecialSplitter {
    private final int[] ids;       // candidates, longest text first
    private final String[] texts;  // texts of all tokens

    SpecialSplitter(String[] texts, List<Integer> candidates) {
        this.texts = texts;
        List<Integer> sorted = new ArrayList<>(candidates);
        sorted.removeIf(id -> texts[id].isEmpty());
        sorted.sort(Comparator.comparingInt((Integer id) -> -texts[id].length()).thenComparingInt(id -> id));
        this.ids = sorted.stream().mapToInt(Integer::intValue).toArray();
    }

    List<Fragment> split(String input) {
        List<Fragment> frags = new ArrayList<>();
        if (input.isEmpty()) return frags;
        frags.add(Fragment.text(input));
        for (int id : ids) {
            String s = texts[id];
            if (!input.contains(s)) continue; // fragments are substrings of the input
            List<Fragment> next = new ArrayList<>(frags.size() + 2);
            for (Fragment f : frags) {
                if (f.isToken()) {
                    next.add(f);
                    continue;
                }
                String t = f.text();
                int from = 0;
                int at;
                while ((at = t.indexOf(s, from)) >= 0) {
                    if (at > from) next.add(Fragment.text(t.substring(from, at)));
                    next.add(Fragment.token(id));
                    from = at + s.length();
                }
                if (from < t.length()) next.add(from == 0 ? f : Fragment.text(t.substring(from)));
            }
            frags = next;
        }
        return frags;
    }
}
