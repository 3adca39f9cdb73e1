package dev.lowbit.eval.errors;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Walks a testbed solution against its problem and returns the first step that departs from it. The problem
 * is read back from the question (TestbedGenerator's sentences: a start, then one event per day that adds,
 * removes, or buys k containers of n); the solution from its worked lines ("So add n.", "So 902-525=377.",
 * "Then add 99 to 203.", "So the total is 668."; the total restated around a product is checked as a copy). The model's own running total is followed, so an error is counted
 * once, where it is made, not again in every step it spoils.
 */
final class TestbedChecker {
    /** the first departure: its kind, the event it happened in (0 = the start, events from 1) and what was seen */
    record Finding(ErrorKind kind, int event, String detail) {}

    private record Event(String day, char op, long n, long k) {}  // op '+', '-' or '*' (n each, k containers)

    private static final Pattern START = Pattern.compile("^(\\w+) has (\\d+) (\\w+)\\.");
    private static final Pattern EVENT = Pattern.compile("On (\\w+day), ([^.]*)\\.");
    private static final Pattern MULTIPLY_EVENT = Pattern.compile("buys (\\d+) \\w+ with (\\d+) \\w+ in each");
    private static final Pattern NUMBER = Pattern.compile("(\\d+)");
    private static final Pattern STARTS_WITH = Pattern.compile("starts with (\\d+)\\.");
    private static final Pattern SO_OP = Pattern.compile("So (add|subtract) (\\d+)\\.|So multiply (\\d+) by (\\d+)(?: and add the product to (\\d+))?\\.");
    private static final Pattern WORKED = Pattern.compile("So (\\d+)([-+*])(\\d+)=(\\d+)\\.");
    private static final Pattern THEN_ADD = Pattern.compile("Then add (\\d+)(?: to (\\d+))?\\.");
    private static final Pattern TOTAL = Pattern.compile("So the total is (\\d+)\\.");
    private static final Pattern BOXED = Pattern.compile("\\\\boxed\\{(\\d+)}");

    private TestbedChecker() {}

    /** null when the question is not a testbed problem */
    static Finding check(String question, String output) {
        Matcher s = START.matcher(question);
        if (!s.find()) return null;
        long start = Long.parseLong(s.group(2));
        List<Event> events = events(question);
        List<String> paragraphs = List.of(output.split("\n\\s*\n"));
        Matcher sw = STARTS_WITH.matcher(paragraphs.get(0));
        if (!sw.find()) return new Finding(ErrorKind.UNPARSED, 0, "no 'starts with'");
        long total = Long.parseLong(sw.group(1));
        if (total != start) return new Finding(ErrorKind.START_MISREAD, 0, total + " for " + start);
        List<String> worked = new ArrayList<>();
        String tail = "";
        for (String p : paragraphs.subList(1, paragraphs.size())) {
            if (p.stripLeading().startsWith("On ")) worked.add(p);
            else tail += p + "\n";
        }
        int matched = 0;
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (matched >= worked.size()) return new Finding(ErrorKind.SKIPPED_EVENT, i + 1, e.day() + " not worked");
            String p = worked.get(matched);
            Matcher day = EVENT.matcher(p);
            String d = day.find() ? day.group(1) : "";
            if (!d.equals(e.day())) {
                boolean later = events.subList(i + 1, events.size()).stream().anyMatch(x -> x.day().equals(d));
                return new Finding(later ? ErrorKind.SKIPPED_EVENT : ErrorKind.EXTRA_EVENT, i + 1, d + " worked for " + e.day());
            }
            matched++;
            Finding f = step(e, p, i + 1, total);
            if (f.kind() != ErrorKind.CORRECT) return f;
            total = Long.parseLong(f.detail());
        }
        if (worked.size() > matched) return new Finding(ErrorKind.EXTRA_EVENT, matched + 1, worked.size() + " events worked for " + events.size());
        Matcher t = TOTAL.matcher(tail);
        if (!t.find()) return new Finding(ErrorKind.UNPARSED, events.size() + 1, "no 'So the total is'");
        if (Long.parseLong(t.group(1)) != total) return new Finding(ErrorKind.FINAL_COPY, events.size() + 1, t.group(1) + " for " + total);
        Matcher b = BOXED.matcher(tail);
        if (b.find() && Long.parseLong(b.group(1)) != total) return new Finding(ErrorKind.FINAL_COPY, events.size() + 1, "boxed " + b.group(1) + " for " + total);
        return new Finding(ErrorKind.CORRECT, -1, Long.toString(total));
    }

    /** one event's paragraph against the event, from the model's running total; CORRECT carries the new total as detail */
    private static Finding step(Event e, String p, int at, long total) {
        Matcher so = SO_OP.matcher(p);
        if (!so.find()) return new Finding(ErrorKind.UNPARSED, at, "no 'So add/subtract/multiply'");
        char op = so.group(1) == null ? '*' : so.group(1).equals("add") ? '+' : '-';
        if ((op == '*') != (e.op() == '*') || op != '*' && op != e.op()) return new Finding(ErrorKind.WRONG_OPERATION, at, op + " for " + e.op());
        Matcher w = WORKED.matcher(p);
        long operand;
        if (op == '*') {
            long each = Long.parseLong(so.group(3)), k = Long.parseLong(so.group(4));
            if (each != e.n() || k != e.k()) return new Finding(ErrorKind.OPERAND_MISREAD, at, each + "x" + k + " for " + e.n() + "x" + e.k());
            Finding restated = restated(so.group(5), total, at);
            if (restated != null) return restated;
            if (!w.find()) return new Finding(ErrorKind.UNPARSED, at, "no worked product");
            long a = Long.parseLong(w.group(1)), b = Long.parseLong(w.group(3)), c = Long.parseLong(w.group(4));
            if (a * b != each * k) return new Finding(ErrorKind.OPERAND_MISREAD, at, a + "*" + b + " for " + each + "*" + k);
            if (c != a * b) return new Finding(ErrorKind.ARITHMETIC_ERROR, at, a + "*" + b + "=" + c);
            Matcher then = THEN_ADD.matcher(p);
            if (!then.find()) return new Finding(ErrorKind.UNPARSED, at, "no 'Then add'");
            operand = Long.parseLong(then.group(1));
            if (operand != c) return new Finding(ErrorKind.COPY_ERROR, at, "then add " + operand + " for " + c);
            restated = restated(then.group(2), total, at);
            if (restated != null) return restated;
            op = '+';
        } else {
            operand = Long.parseLong(so.group(2));
            if (operand != e.n()) return new Finding(ErrorKind.OPERAND_MISREAD, at, operand + " for " + e.n());
        }
        if (!w.find()) return new Finding(ErrorKind.UNPARSED, at, "no worked " + op);
        long a = Long.parseLong(w.group(1)), b = Long.parseLong(w.group(3)), c = Long.parseLong(w.group(4));
        if (w.group(2).charAt(0) != op) return new Finding(ErrorKind.WRONG_OPERATION, at, w.group(2) + " worked for " + op);
        if (a != total) return new Finding(ErrorKind.COPY_ERROR, at, a + " carried for " + total);
        if (b != operand) return new Finding(ErrorKind.OPERAND_MISREAD, at, b + " worked for " + operand);
        long right = op == '+' ? a + b : a - b;
        if (c != right) return new Finding(ErrorKind.ARITHMETIC_ERROR, at, a + "" + op + b + "=" + c);
        return new Finding(ErrorKind.CORRECT, at, Long.toString(c));
    }

    /** a running total restated around a product ("... to T."): a copy error when it is not the total; absent in older outputs */
    private static Finding restated(String seen, long total, int at) {
        if (seen == null || Long.parseLong(seen) == total) return null;
        return new Finding(ErrorKind.COPY_ERROR, at, seen + " restated for " + total);
    }

    private static List<Event> events(String question) {
        List<Event> out = new ArrayList<>();
        Matcher m = EVENT.matcher(question);
        while (m.find()) {
            String text = m.group(2);
            Matcher mul = MULTIPLY_EVENT.matcher(text);
            if (mul.find()) {
                out.add(new Event(m.group(1), '*', Long.parseLong(mul.group(2)), Long.parseLong(mul.group(1))));
                continue;
            }
            Matcher n = NUMBER.matcher(text);
            if (!n.find()) continue;
            // adds: "finds n more", "buys n more", "X gives her/him n"; removes: "gives n ... to X", "loses", "sells"
            boolean adds = text.contains(" more ") || text.matches("\\w+ gives (her|him) .*");
            out.add(new Event(m.group(1), adds ? '+' : '-', Long.parseLong(n.group(1)), 0));
        }
        return out;
    }
}
