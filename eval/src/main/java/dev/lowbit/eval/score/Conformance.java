package dev.lowbit.eval.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs the reference scorer's regression cases (shared/scoring/cases.jsonl: id, gold, pred,
 * gold_targets, precision, expected) through {@link MathScorer} / {@link LetterScorer} and
 * reports where the verdicts differ.
 */
public final class Conformance {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** lighteval's test documents have four choices: the gold and three empty ones */
    private static final int LETTER_OPTIONS = 4;

    private Conformance() {}

    public record Disagreement(String id, String gold, String pred, int expected, int got,
                               List<String> goldExtracted, List<String> predExtracted) {}

    public record Result(int agree, int total, List<Disagreement> disagreements) {
        public double percent() { return total == 0 ? 0 : 100.0 * agree / total; }
    }

    public static Result run(Path casesJsonl) {
        List<String> lines;
        try {
            lines = Files.readAllLines(casesJsonl, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + casesJsonl, e);
        }
        Map<String, MathScorer> scorers = new HashMap<>();
        int agree = 0, total = 0;
        List<Disagreement> dis = new ArrayList<>();
        int lineNo = 0;
        for (String line : lines) {
            lineNo++;
            if (line.isBlank()) continue;
            JsonNode c;
            try {
                c = JSON.readTree(line);
            } catch (IOException e) {
                throw new IllegalArgumentException(casesJsonl + ":" + lineNo + ": not JSON: " + e.getMessage(), e);
            }
            String id = text(c, "id", casesJsonl, lineNo);
            String gold = text(c, "gold", casesJsonl, lineNo);
            String pred = text(c, "pred", casesJsonl, lineNo);
            int expected = c.path("expected").asInt(-1);
            if (expected != 0 && expected != 1) throw new IllegalArgumentException(casesJsonl + ":" + lineNo + ": expected must be 0 or 1");
            int precision = c.path("precision").asInt(6);
            Set<Target> targets = targets(c.path("gold_targets"), casesJsonl, lineNo);
            Verdict v;
            if (targets.contains(Target.LETTERS)) {
                v = LetterScorer.score(gold, pred, LETTER_OPTIONS);
            } else {
                MathScorer s = scorers.computeIfAbsent(targets + "/" + precision, k -> new MathScorer(targets, precision));
                v = s.score(gold, pred);
            }
            int got = v.correct() ? 1 : 0;
            total++;
            if (got == expected) agree++;
            else dis.add(new Disagreement(id, gold, pred, expected, got, v.goldExtracted(), v.predExtracted()));
        }
        return new Result(agree, total, dis);
    }

    /** shared/scoring/cases.jsonl next to the data root(s) of the data search path */
    public static Optional<Path> findSharedCases() {
        for (Path root : dev.lowbit.util.SearchPath.data()) {
            Path abs = root.toAbsolutePath().normalize();
            Path parent = abs.getParent();
            for (Path p : parent == null ? List.of(abs) : List.of(abs, parent)) {
                Path c = p.resolve("scoring").resolve("cases.jsonl");
                if (Files.isRegularFile(c)) return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static String text(JsonNode c, String field, Path file, int line) {
        JsonNode n = c.get(field);
        if (n == null || !n.isTextual()) throw new IllegalArgumentException(file + ":" + line + ": missing string field '" + field + "'");
        return n.asText();
    }

    private static Set<Target> targets(JsonNode arr, Path file, int line) {
        if (!arr.isArray() || arr.isEmpty()) throw new IllegalArgumentException(file + ":" + line + ": gold_targets must be a non-empty array");
        Set<Target> out = EnumSet.noneOf(Target.class);
        for (JsonNode t : arr) {
            switch (t.asText()) {
                case "latex" -> out.add(Target.LATEX);
                case "expr" -> out.add(Target.EXPR);
                case "NativeLetters" -> out.add(Target.LETTERS);
                default -> throw new IllegalArgumentException(file + ":" + line + ": unknown target " + t.asText());
            }
        }
        return out;
    }
}
