package dev.lowbit.eval.score;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites an extracted LaTeX answer into the form the parser understands, following the
 * normalisation lighteval applies before latex2sympy (basic_latex, units, malformed_operators,
 * nits, boxed, equations all on): take the \boxed content, drop styling (\left, \displaystyle,
 * \mathrm, $), turn "and"/"or" into group separators (`;`), drop trailing units and \text{...} suffixes, repair
 * \frac12 / \sqrt3, keep only the last side of a chain of equalities.
 */
final class LatexNormalizer {
    enum Boxed { ALL, LAST }

    private LatexNormalizer() {}

    private static final String LEFT_DELIMS = "\\\\\\{|\\{|\\\\\\||\\||\\[|\\(|\\\\rbracl|\\\\lgroup|\\\\lbrace|\\\\lbrack|\\\\vert|\\\\lvert|\\\\lceil|\\\\lfloor|\\\\langle|\\\\llcorner|\\\\ulcorner";
    private static final String RIGHT_DELIMS = "\\\\\\}|\\}|\\\\\\||\\||\\]|\\)|\\\\rbrack|\\\\rgroup|\\\\rbrace|\\\\rvert|\\\\vert|\\\\rceil|\\\\rfloor|\\\\rangle|\\\\lrcorner|\\\\urcorner";
    private static final Pattern LEFT = Pattern.compile("\\\\m?left(" + LEFT_DELIMS + ")");
    private static final Pattern RIGHT = Pattern.compile("\\\\m?right(" + RIGHT_DELIMS + ")");
    private static final Pattern LEFT_DOT = Pattern.compile("\\\\left\\.|\\\\right\\.");
    private static final Pattern PERMUTATION = Pattern.compile("\\(([a-zA-Z0-9+\\-*/\\\\ ]+?)\\)_\\{([a-zA-Z0-9+\\-*/\\\\ ]+?)\\}");
    private static final Pattern TO_REMOVE = Pattern.compile(
            "\\\\mathrm\\{th\\}|\\\\!\\s*|\\\\text\\s*\\{\\s*\\}|\\\\\\$|\\$|(?<!\\\\)[\"']|\\\\displaystyle");

    /** (pattern, replacement) pairs tried as one alternation, first alternative wins at a position */
    private static final String[][] REPLACEMENTS = {
            {"\\\\math(?:rm|it|bf)", "\\text"},
            {"\\\\text(?:normal|bf|it|rm)", "\\text"},
            {"\\\\(?:d|t|c)frac", "\\frac"},
            {"\\s\\.", " 0."},
            {"\\{\\.", "{0."},
            {"~=", "\\approx"},
            {"\\s*\\{\\s*,\\s*\\}", ","},
            // "and"/"or" separate groups (latex2sympy2_extended 1.0.6 writes ';', so `x=1, y=2 and x=3, y=4`
            // becomes two groups, read as a set of tuples); a comma before them stays and breaks the parse
            {"(?<![\\p{L}\\p{N}_])(?:and|or)(?![\\p{L}\\p{N}_])", ";"},
            {"\\\\text\\{\\s*(?:and|or)\\s*\\}", ";"},
            {"(?<!\\\\)\\\\\\s", " "},
            {"infinity", "\\infty"},
            {",?\\\\ldots", " "},
            {"\\s*\\bpercentage\\b", "%"},
            {"\\s*\\bpercent\\b", "%"},
            {"\\s*\\bpct\\b", "%"},
            {"\\\\text\\{percent\\}", "%"},
            {"\\\\text\\{pct\\}", "%"},
            {"\\\\text\\{percentage\\}", "%"},
            {"(?<!\\\\)inf(?!inity)", "\\infty"},
            {" sqrt", "\\sqrt"},
    };
    private static final Pattern REPLACE;
    static {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < REPLACEMENTS.length; i++) {
            if (i > 0) sb.append('|');
            sb.append("(?<r").append(i).append('>').append(REPLACEMENTS[i][0]).append(')');
        }
        REPLACE = Pattern.compile(sb.toString());
    }

    private static final Pattern COMMAND_SLASH_FIX = Pattern.compile("\\\\\\\\(?=[a-zA-Z])");
    private static final Pattern EQUATION_SPLIT = Pattern.compile("(?<![\\\\<!>])=");
    private static final Pattern UNIT_SUFFIX_TEXT = Pattern.compile("(\\\\(?:text|mbox)\\{.*?\\})(\\^\\d|\\{\\^\\d\\})?$");
    private static final String[] UNITS = {"integerpoint", "feet", "sue", "digit", "pound", "meal", "edge", "student",
            "children ticket", "multiple", "east", "degree", "mph", "kmph", "ft", "m square", " m east", "sq m", "deg",
            "mile", "q .", "monkey", "prime", "ratio", "profit of rs", "rd", "o", "gm", "p . m", "lb", "tile", "per",
            "dm", "lt", "gain", "ab", "way", "west", "a .", "b .", "c .", "d .", "e .", "f .", "g .", "h .", "t", "h",
            "no change", "men", "soldier", "pie", "bc", "excess", "st", "inches", "noon", "cent", "by", "gal", "kmh", "c",
            "acre", "rise", "a . m", "th", "π r 2", "sq", "mark", "l", "toy", "coin", "sq . m", "gallon", "° f", "profit",
            "minw", "yr", "women", "am", "pm", "hr", "cu cm", "square", "v â € ™", "are", "rupee", "rounds", "cubic",
            "cc", "mtr", "s", "ohm", "number", "kmph", "day", "hour", "minute", "min", "second", "man", "woman", "sec",
            "cube", "mt", "sq inch", "mp", "∏ cm ³", "hectare", "more", "sec", "unit", "cu . m", "cm 2", "rs .", "rs",
            "kg", "g", "month", "km", "m", "cm", "mm", "apple", "liter", "loss", "yard", "pure", "year", "increase",
            "decrease", "d", "less", "Surface", "litre", "pi sq m", "s .", "metre", "meter", "inch"};
    private static final Pattern UNIT_SUFFIX;
    static {
        List<String> quoted = new ArrayList<>();
        for (String u : UNITS) quoted.add(Pattern.quote(u));
        UNIT_SUFFIX = Pattern.compile("(\\d|\\}|\\s)\\s*(?:(?:" + String.join("|", quoted) + ")(?:s|es)?)\\s*$");
    }

    private static final Pattern[] MALFORMED = {
            Pattern.compile("\\^\\s?\\((.*?)\\)"),
            Pattern.compile("sqrt\\s?\\((.*?)\\)"),
            Pattern.compile("\\\\frac\\s?(\\d)\\s?(\\d+)"),
            Pattern.compile("\\\\log_\\s?(\\d)\\s?(\\d+)"),
            Pattern.compile("\\\\frac\\s?\\{(.*?)\\}\\s?(\\d)"),
            Pattern.compile("\\\\frac\\s?(\\d)\\s?\\{(.*?)\\}"),
            Pattern.compile("\\\\sqrt\\s?(\\d)"),
    };
    private static final String[] MALFORMED_REPL = {
            "^{$1}", "\\\\sqrt{$1}", "\\\\frac{$1}{$2}", "\\\\log_{$1}{$2}", "\\\\frac{$1}{$2}", "\\\\frac{$1}{$2}", "\\\\sqrt{$1}"};

    /** what may stand between two \boxed{} answers for both to be kept in "last" mode */
    private static final Pattern BOXED_SEPARATOR = Pattern.compile(
            "(?:\\s|\\$|\\\\[()\\[\\]]|,|;|\\band\\b|\\bor\\b|\\\\text\\{\\s*(?:and|or)\\s*\\}|\\\\q?quad)*");

    static String normalize(String text, Boxed boxed) {
        text = extractBoxed(text, boxed);

        // basic LaTeX
        text = text.replace("\\mathrm{T}", "T").replace("\\mathrm{d}", "d").replace("{\\rm d}", "d");
        text = text.replace("\\left[\\begin{matrix}", "\\begin{bmatrix}").replace("\\end{matrix}\\right]", "\\end{bmatrix}");
        text = LEFT.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1)));
        text = RIGHT.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1)));
        text = LEFT_DOT.matcher(text).replaceAll("");
        text = PERMUTATION.matcher(text).replaceAll(m -> Matcher.quoteReplacement(
                "\\frac{(" + m.group(1) + ")!}{((" + m.group(1) + ")-(" + m.group(2) + "))!}"));
        text = TO_REMOVE.matcher(text).replaceAll("");
        text = REPLACE.matcher(text).replaceAll(m -> {
            for (int i = 0; i < REPLACEMENTS.length; i++) {
                if (m.group(i + 1) != null) return Matcher.quoteReplacement(REPLACEMENTS[i][1]);
            }
            return Matcher.quoteReplacement(m.group());
        });
        text = text.replace('\n', ' ').replace('\t', ' ');
        if (!text.contains("matrix")) text = COMMAND_SLASH_FIX.matcher(text).replaceAll(Matcher.quoteReplacement("\\"));

        // equations: a = b = c keeps c, unless a list (a=1, b=2) is written
        if (!text.contains(",") && !text.contains(";")) {
            String[] parts = EQUATION_SPLIT.split(text, -1);
            if (parts.length > 2) text = parts[parts.length - 1];
        }

        // units
        String t = UNIT_SUFFIX_TEXT.matcher(text).replaceAll("").strip();
        if (!t.isEmpty() && !t.equals(text)) text = t;
        for (int i = 0; i < 2; i++) {
            t = UNIT_SUFFIX.matcher(text).replaceAll("$1");
            if (!t.isEmpty() && !t.equals(text)) text = t;
        }

        // nits
        if (text.startsWith(".")) text = "0" + text;
        if (text.equals("0.5")) text = "\\frac{1}{2}";

        // malformed operators
        for (int i = 0; i < MALFORMED.length; i++) text = MALFORMED[i].matcher(text).replaceAll(MALFORMED_REPL[i]);
        text = text.replace(" sqrt", "\\sqrt");
        text = fixSqrt(text);
        text = fixFracs(text);
        text = fixSlash(text);
        return text.strip();
    }

    /** the content of the last \boxed{} / \fbox{} (ALL: of every one, joined by commas) */
    static String extractBoxed(String text, Boxed mode) {
        List<String> results = new ArrayList<>();
        int currentPos = text.length();
        int maxPos = text.length();
        int lastBoxedStart = -1;
        while (true) {
            int boxedIdx = currentPos >= 6 ? text.lastIndexOf("\\boxed", currentPos - 6) : -1;
            int fboxIdx = currentPos >= 5 ? text.lastIndexOf("\\fbox", currentPos - 5) : -1;
            if (boxedIdx < 0 && fboxIdx < 0) break;
            int start = Math.max(boxedIdx, fboxIdx);
            int next = start + (boxedIdx > fboxIdx ? 6 : 5);
            while (next < maxPos && Character.isWhitespace(text.charAt(next))) next++;
            if (next >= maxPos) break;
            if (text.charAt(next) == '{') {
                int end = matchingBrace(text, next, maxPos);
                if (end < 0) {
                    if (results.isEmpty()) results.add(text.substring(next));
                    break;
                }
                String content = text.substring(next + 1, end).strip();
                if (mode == Boxed.LAST && lastBoxedStart >= 0) {
                    String between = text.substring(Math.min(end + 1, lastBoxedStart), lastBoxedStart);
                    boolean close = between.length() < 10
                            || (between.length() < 70 && BOXED_SEPARATOR.matcher(between).matches());
                    if (!close) break;
                }
                if (results.isEmpty() || !results.get(results.size() - 1).equals(content)) results.add(content);
                lastBoxedStart = start;
                maxPos = start;
            } else {
                if (results.isEmpty()) results.add(text.substring(next));
                break;
            }
            currentPos = start;
        }
        if (results.isEmpty()) return text;
        Collections.reverse(results);
        return String.join(",", results);
    }

    private static int matchingBrace(String text, int open, int maxPos) {
        int depth = 1;
        for (int i = open + 1; i < maxPos; i++) {
            char c = text.charAt(i);
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return i;
        }
        return -1;
    }

    /** \sqrt3 -> \sqrt{3} */
    static String fixSqrt(String text) {
        if (!text.contains("\\sqrt")) return text;
        String[] splits = text.split("\\\\sqrt", -1);
        StringBuilder sb = new StringBuilder(splits[0]);
        for (int i = 1; i < splits.length; i++) {
            String s = splits[i].stripLeading();
            if (!s.isEmpty() && s.charAt(0) != '{' && s.charAt(0) != '[') {
                int cp = s.codePointAt(0);
                int n = Character.charCount(cp);
                sb.append("\\sqrt{").append(s, 0, n).append('}').append(s.substring(n));
            } else {
                sb.append("\\sqrt").append(s);
            }
        }
        return sb.toString();
    }

    /** \frac12 -> \frac{1}{2}, \frac1{2} -> \frac{1}{2} */
    static String fixFracs(String text) {
        String[] subs = text.split("\\\\frac", -1);
        StringBuilder sb = new StringBuilder(subs[0]);
        for (int i = 1; i < subs.length; i++) {
            String s = subs[i].stripLeading();
            sb.append("\\frac");
            if (!s.isEmpty() && s.charAt(0) == '{') {
                sb.append(s);
            } else if (s.length() < 2) {
                return text;
            } else {
                char a = s.charAt(0), b = s.charAt(1);
                if (b != '{') sb.append('{').append(a).append("}{").append(b).append('}').append(s.substring(2));
                else sb.append('{').append(a).append('}').append(b).append(s.substring(2));
            }
        }
        return sb.toString();
    }

    /** "2/3" (exactly two integers) -> \frac{2}{3} */
    static String fixSlash(String text) {
        String[] parts = text.split("/", -1);
        if (parts.length != 2) return text;
        try {
            long a = Long.parseLong(parts[0]);
            long b = Long.parseLong(parts[1]);
            if (!text.equals(a + "/" + b)) return text;
            return "\\frac{" + a + "}{" + b + "}";
        } catch (NumberFormatException e) {
            return text;
        }
    }
}
