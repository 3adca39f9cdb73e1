package dev.lowbit.eval.score;

import dev.lowbit.eval.score.ExtractionPatterns.Entry;
import dev.lowbit.eval.score.MathNode.Num;
import dev.lowbit.eval.score.MathNode.Pct;
import dev.lowbit.eval.score.MathNode.SetOf;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

/**
 * Finds the answer in a text the way lighteval's extract_target_from_pred does: patterns are
 * pooled by priority; within the first priority group that yields anything, matches are tried
 * rightmost first (by end, then longest) and the first one that parses is the answer. With
 * fallback "first_match" the raw string of the first match tried is appended as well.
 */
final class Extractor {
    /** one extracted answer: a parsed node, or (node null) a string compared verbatim */
    record Candidate(MathNode node, String text) {
        @Override public String toString() { return node != null ? node.toString() : text; }
    }

    private record Found(int start, int end, Entry entry, Map<String, String> groups) {}

    private Extractor() {}

    static List<Candidate> extract(String text, List<Entry> entries) {
        TreeMap<Integer, List<Entry>> byPriority = new TreeMap<>();
        for (Entry e : entries) byPriority.computeIfAbsent(e.priority(), k -> new ArrayList<>()).add(e);

        List<Candidate> out = new ArrayList<>();
        List<String> fallbacks = new ArrayList<>();
        CharSequence input = new InterruptibleText(text);
        for (List<Entry> group : byPriority.values()) {
            List<Found> found = new ArrayList<>();
            for (Entry e : group) {
                Matcher m = e.pattern().matcher(input);
                while (m.find()) {
                    Map<String, String> g = new HashMap<>();
                    for (String name : e.groups()) {
                        String v = m.group(name);
                        if (v != null) g.put(name, v);
                    }
                    found.add(new Found(m.start(), m.end(), e, g));
                }
            }
            // rightmost end first; for equal ends the longer (earlier start) match first; stable otherwise
            found.sort(Comparator.comparingInt((Found f) -> -f.end()).thenComparingInt(Found::start));
            for (Found f : found) {
                Candidate c = extractOne(f);
                if (!c.text().isEmpty()) fallbacks.add(c.text());
                if (c.node() != null || (f.entry().target() == Target.LETTERS && !c.text().isEmpty())) {
                    out.add(c);
                    break;
                }
            }
            if (!out.isEmpty()) break;
        }
        if (!fallbacks.isEmpty()) out.add(new Candidate(null, fallbacks.get(0)));
        return out;
    }

    private static Candidate extractOne(Found f) {
        return switch (f.entry().target()) {
            case LETTERS -> new Candidate(null, f.groups().getOrDefault("indices", "").replace("(", "").replace(")", "").strip());
            case EXPR -> extractExpr(f.groups());
            case LATEX -> extractLatex(f.groups());
        };
    }

    private static String first(Map<String, String> g, String... names) {
        for (String n : names) {
            String v = g.get(n);
            if (v != null && !v.isEmpty()) return v;
        }
        return "";
    }

    static Candidate extractExpr(Map<String, String> g) {
        String integer = first(g, "integer1", "integer2", "integer3");
        String decimal = first(g, "decimal1", "decimal2", "decimal3");
        boolean pct = !first(g, "percent").isEmpty();
        if (!integer.isEmpty() || !decimal.isEmpty()) {
            integer = integer.replace(",", "").replace(" ", "");
            boolean neg = integer.startsWith("-");
            String digits = (neg ? integer.substring(1) : integer).replaceFirst("^0+", "");
            integer = (neg ? "-" : "") + digits;
            if (integer.isEmpty() || integer.equals("-")) integer = integer + "0";
            decimal = decimal.replace(",", ".");
            String numberStr = integer + decimal;
            MathNode n;
            try {
                n = new Num(new BigDecimal(numberStr), !decimal.isEmpty());
            } catch (NumberFormatException e) {
                return new Candidate(null, numberStr);
            }
            return new Candidate(pct ? new Pct(n) : n, numberStr);
        }
        String expr = first(g, "expr");
        if (!expr.isEmpty()) {
            try {
                return new Candidate(PlainExprParser.parse(expr), expr);
            } catch (RuntimeException | StackOverflowError e) {
                // unreadable (or absurdly nested) expression: this match does not parse
                return new Candidate(null, expr);
            }
        }
        return new Candidate(null, expr);
    }

    static Candidate extractLatex(Map<String, String> g) {
        List<MathNode> nodes = new ArrayList<>();
        List<String> strs = new ArrayList<>();
        for (String p : ExtractionPatterns.LATEX_PREFIXES) {
            String env = null, latex = null;
            for (String e : ExtractionPatterns.LATEX_ENVS) {
                String v = g.get(p + e);
                if (v != null && !v.isEmpty()) { env = e; latex = v; break; }
            }
            if (latex == null) continue;
            boolean pct = !first(g, p + "pct").isEmpty();
            String normalized = LatexNormalizer.normalize(latex,
                    env.equals("BX") ? LatexNormalizer.Boxed.LAST : LatexNormalizer.Boxed.ALL);
            strs.add(normalized);
            try {
                MathNode n = LatexParser.parse(normalized);
                nodes.add(pct ? new Pct(n) : n);
            } catch (RuntimeException | StackOverflowError e) {
                // unreadable (or absurdly nested) LaTeX: this match does not parse
                nodes.add(null);
            }
        }
        if (nodes.isEmpty()) return new Candidate(null, "");
        if (nodes.size() > 1 && nodes.stream().allMatch(n -> n != null)) {
            List<MathNode> all = new ArrayList<>();
            for (MathNode n : nodes) {
                if (n instanceof SetOf s && !s.tuple()) all.addAll(s.items()); else all.add(n);
            }
            return new Candidate(LatexParser.finiteSet(all), String.join(" and ", strs));
        }
        return new Candidate(nodes.get(0), strs.get(0));
    }
}
