package dev.lowbit.eval.lcb;

/**
 * The reference's code extraction: the lines strictly between the last two lines that contain
 * a triple backtick; "" when there are fewer than two such lines.
 */
public final class CodeExtractor {
    private CodeExtractor() {}

    public static String lastFencedBlock(String output) {
        String[] lines = output.split("\n", -1);
        int last = -1, prev = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("```")) {
                prev = last;
                last = i;
            }
        }
        if (prev < 0) return "";
        StringBuilder sb = new StringBuilder();
        for (int i = prev + 1; i < last; i++) {
            if (i > prev + 1) sb.append('\n');
            sb.append(lines[i]);
        }
        return sb.toString();
    }
}
