package dev.lowbit.eval.errors;

import dev.lowbit.eval.EvalRecord;
import dev.lowbit.eval.testbed.TestbedBenchmark;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Classifies one evaluated answer (an eval record): right; without an answer because the token budget ended it
 * (repeating itself, or not) or because it stopped; or wrong, and for the testbed where its solution first
 * departs from the problem ({@link TestbedChecker}).
 */
public final class ErrorTaxonomy {
    /** a record's kind, the step it was found at (testbed: 0 = start, events from 1; -1 elsewhere) and what was seen */
    public record Classification(ErrorKind kind, int step, String detail) {}

    /** non-empty lines at the end of an output that are looked at for a loop */
    static final int LOOP_WINDOW = 60;

    private ErrorTaxonomy() {}

    /** @param maxTokens the run's output budget (run.json's max_tokens) */
    public static Classification classify(EvalRecord r, int maxTokens) {
        if (r.correct()) return new Classification(ErrorKind.CORRECT, -1, "");
        boolean answered = r.extracted() != null && !r.extracted().isBlank();
        if (!answered) {
            if (r.outputTokens() < maxTokens) return new Classification(ErrorKind.NO_ANSWER, -1, r.outputTokens() + " tokens");
            return new Classification(looping(r.output()) ? ErrorKind.LOOPING : ErrorKind.TRUNCATED, -1, r.outputTokens() + " tokens");
        }
        if (TestbedBenchmark.ID.equals(r.benchmark())) {
            TestbedChecker.Finding f = TestbedChecker.check(question(r.prompt()), r.output());
            // a wrong answer whose every step checks out: the last restatement
            if (f != null) return f.kind() == ErrorKind.CORRECT ? new Classification(ErrorKind.FINAL_COPY, -1, "answer " + r.extracted())
                    : new Classification(f.kind(), f.event(), f.detail());
        }
        return new Classification(ErrorKind.WRONG_ANSWER, -1, r.extracted() + " for " + r.gold());
    }

    /** true when the last LOOP_WINDOW non-empty lines hold at most a third as many different lines: a repetition */
    static boolean looping(String output) {
        List<String> lines = new ArrayList<>();
        for (String l : output.split("\n")) if (!l.isBlank()) lines.add(l.strip());
        if (lines.size() < LOOP_WINDOW) return false;
        Set<String> distinct = new HashSet<>(lines.subList(lines.size() - LOOP_WINDOW, lines.size()));
        return distinct.size() * 3 <= LOOP_WINDOW;
    }

    /** the problem's question: the prompt up to the instruction the math prompt appends */
    private static String question(String prompt) {
        int cut = prompt.indexOf("\n\nPlease reason step by step");
        return cut < 0 ? prompt : prompt.substring(0, cut);
    }
}
