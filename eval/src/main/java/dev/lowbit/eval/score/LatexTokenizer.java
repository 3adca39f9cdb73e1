package dev.lowbit.eval.score;

import java.util.ArrayList;
import java.util.List;

/** Splits normalised LaTeX into numbers, single letters, commands (\name or \x) and symbols. */
final class LatexTokenizer {
    enum Kind { NUM, LETTER, CMD, SYM, EOF }

    static final class Token {
        final Kind kind;
        String text;
        Token(Kind kind, String text) { this.kind = kind; this.text = text; }
        boolean is(Kind k, String t) { return kind == k && text.equals(t); }
        boolean sym(String t) { return kind == Kind.SYM && text.equals(t); }
        boolean cmd(String t) { return kind == Kind.CMD && text.equals(t); }
        @Override public String toString() { return kind + ":" + text; }
    }

    private LatexTokenizer() {}

    static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0, n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) { i++; continue; }
            if (c >= '0' && c <= '9' || (c == '.' && i + 1 < n && isDigit(s.charAt(i + 1)))) {
                int j = readNumber(s, i);
                out.add(new Token(Kind.NUM, s.substring(i, j).replace(",", "")));
                i = j;
                continue;
            }
            if (c == '\\') {
                if (i + 1 >= n) throw new LatexParseException("trailing backslash");
                char d = s.charAt(i + 1);
                if (Character.isLetter(d)) {
                    int j = i + 1;
                    while (j < n && Character.isLetter(s.charAt(j)) && s.charAt(j) < 128) j++;
                    String name = s.substring(i + 1, j);
                    // "\quadx" is \quad followed by x
                    if (name.startsWith("qquad") && name.length() > 5) { j = i + 1 + 5; name = "qquad"; }
                    else if (name.startsWith("quad") && name.length() > 4) { j = i + 1 + 4; name = "quad"; }
                    out.add(new Token(Kind.CMD, name));
                    i = j;
                } else if (d == '(' || d == ')' || d == '[' || d == ']') {
                    // \( \) left behind by "\\left(" after normalisation: plain delimiters
                    out.add(new Token(Kind.SYM, String.valueOf(d)));
                    i += 2;
                } else {
                    out.add(new Token(Kind.CMD, String.valueOf(d)));
                    i += 2;
                }
                continue;
            }
            if (Character.isLetter(c)) {
                if (c == 'π') out.add(new Token(Kind.CMD, "pi"));
                else out.add(new Token(Kind.LETTER, String.valueOf(c)));
                i++;
                continue;
            }
            String sym = switch (c) {
                case '×', '·', '⋅' -> "*";
                case '÷' -> "/";
                case '≤' -> "<=";
                case '≥' -> ">=";
                case '≠' -> "!=";
                case '−', '–' -> "-";
                default -> String.valueOf(c);
            };
            if (c == '∞') { out.add(new Token(Kind.CMD, "infty")); i++; continue; }
            if (c == '√') { out.add(new Token(Kind.CMD, "sqrt")); i++; continue; }
            if (c == '°') { out.add(new Token(Kind.CMD, "circ")); i++; continue; }
            if (c == '∪') { out.add(new Token(Kind.CMD, "cup")); i++; continue; }
            // latex2sympy2_extended's APPROX token also takes these characters
            if ("≈≊≋≃≅".indexOf(c) >= 0) { out.add(new Token(Kind.CMD, "approx")); i++; continue; }
            out.add(new Token(Kind.SYM, sym));
            i++;
        }
        out.add(new Token(Kind.EOF, ""));
        return out;
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    /** digits with optional decimals */
    private static int readNumber(String s, int i) {
        int n = s.length();
        int j = i;
        while (j < n && isDigit(s.charAt(j))) j++;
        if (j < n && s.charAt(j) == '.' && j + 1 < n && isDigit(s.charAt(j + 1))) {
            j++;
            while (j < n && isDigit(s.charAt(j))) j++;
        }
        return j;
    }
}
