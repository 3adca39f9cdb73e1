package dev.lowbit.util;

/**
 * Makes a string from an untrusted source (GGUF metadata, tensor names, tokenizer strings)
 * safe to print on a terminal: control characters (C0 including ESC, DEL, C1), Unicode format
 * characters (bidi overrides, zero-width), line separators and lone surrogates become visible
 * escapes ({@code \x1b}, {@code \u202e}), so a file cannot move the cursor, retitle the window
 * or hide text; and a long value is cut, saying how much was left out.
 */
public final class Printable {
    /** what a name or key may show before it is cut */
    public static final int NAME_CHARS = 200;

    private Printable() {}

    /** one-line form of a short value (a name, key, architecture), at most {@link #NAME_CHARS} chars of it */
    public static String of(String s) {
        return of(s, NAME_CHARS);
    }

    /** one-line form: every control character escaped; after `max` output chars, "… (+N chars)" */
    public static String of(String s, int max) {
        if (s == null) return "null";
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 16);
        int i = 0;
        while (i < s.length()) {
            if (sb.length() >= max) {
                return sb.append("… (+").append(s.length() - i).append(" chars)").toString();
            }
            int cp = s.codePointAt(i);
            appendEscaped(sb, cp, false);
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    /**
     * running-text form (generated text, a prompt echo): newlines and tabs pass, every other
     * control character is escaped; nothing is cut
     */
    public static String text(String s) {
        if (s == null) return "null";
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            boolean bad = isControl(cp) && cp != '\n' && cp != '\t';
            if (bad && sb == null) sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            if (sb != null) {
                if (bad) appendEscaped(sb, cp, true);
                else sb.appendCodePoint(cp);
            }
            i += n;
        }
        return sb == null ? s : sb.toString();
    }

    /** C0, DEL and C1: what a terminal interprets */
    static boolean isControl(int cp) {
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
    }

    /** what a one-line value must not show raw: controls, format chars, separators, lone surrogates */
    private static boolean isUnsafe(int cp) {
        if (isControl(cp)) return true;
        int t = Character.getType(cp);
        return t == Character.FORMAT || t == Character.SURROGATE || t == Character.LINE_SEPARATOR
                || t == Character.PARAGRAPH_SEPARATOR;
    }

    private static void appendEscaped(StringBuilder sb, int cp, boolean controlsOnly) {
        if (!(controlsOnly ? isControl(cp) : isUnsafe(cp))) {
            sb.appendCodePoint(cp);
        } else if (cp == '\n') {
            sb.append("\\n");
        } else if (cp == '\r') {
            sb.append("\\r");
        } else if (cp == '\t') {
            sb.append("\\t");
        } else if (cp <= 0xff) {
            sb.append(String.format("\\x%02x", cp));
        } else if (cp <= 0xffff) {
            sb.append(String.format("\\u%04x", cp));
        } else {
            sb.append(String.format("\\U%08x", cp));
        }
    }
}
