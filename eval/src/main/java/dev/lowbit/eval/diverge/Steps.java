package dev.lowbit.eval.diverge;

import java.util.ArrayList;
import java.util.List;

/**
 * Reasoning steps as the study counts them: the text cut at blank lines. Each occurrence of
 * "\n\n" (searched left to right, not overlapping) ends a step; a step's text runs from the end of
 * the previous separator through the end of its own, so the separator belongs to the step it
 * closes and the pieces concatenate back to the text. As in the study's count (Python's
 * len(text.split("\n\n")), {@code EvalRecord.countSteps}), a text ending in a separator has an
 * empty last step.
 */
public final class Steps {
    public static final String SEPARATOR = "\n\n";

    private Steps() {}

    /** the steps of a text, in order */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int at = text.indexOf(SEPARATOR); at >= 0; at = text.indexOf(SEPARATOR, at + SEPARATOR.length())) {
            out.add(text.substring(start, at + SEPARATOR.length()));
            start = at + SEPARATOR.length();
        }
        out.add(text.substring(start));
        return out;
    }

    /** the step of each token, by the first character of its text ({@link TokenText#offsets}) */
    public static int[] ofTokens(String text, int[] offsets) {
        int[] steps = new int[offsets.length];
        int last = split(text).size() - 1;
        int step = 0, next = text.indexOf(SEPARATOR);
        for (int i = 0; i < offsets.length; i++) {
            while (next >= 0 && next + SEPARATOR.length() <= offsets[i]) {
                step++;
                next = text.indexOf(SEPARATOR, next + SEPARATOR.length());
            }
            steps[i] = Math.min(step, last);
        }
        return steps;
    }
}
