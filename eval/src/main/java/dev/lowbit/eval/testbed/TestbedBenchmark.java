package dev.lowbit.eval.testbed;

import dev.lowbit.eval.AnswerJudge;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.Judgement;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.Prompts;
import java.util.ArrayList;
import java.util.List;

/**
 * The testbed family as a benchmark: fresh test-split problems drawn by a generator seed, levels
 * interleaved (so {@code --limit N} keeps every level), posed with the study's math template and
 * scored by the same extraction and scorer as GSM8K. On the command line: {@code testbed}
 * (generator seed {@value #DEFAULT_SEED}, {@value #DEFAULT_PER_LEVEL} problems per level) or
 * {@code testbed:SEED[:PER_LEVEL]}.
 */
public final class TestbedBenchmark implements Benchmark {
    public static final String ID = "testbed";
    public static final long DEFAULT_SEED = 2026;
    public static final int DEFAULT_PER_LEVEL = 20;

    /** what a {@code testbed[:SEED[:PER_LEVEL]]} token asks for */
    public record Spec(long seed, int perLevel) {}

    private final List<Problem> problems;
    private final AnswerJudge judge;

    public TestbedBenchmark(Spec spec, AnswerJudge judge) {
        this.judge = judge;
        List<List<TestbedProblem>> byLevel = new ArrayList<>();
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
            byLevel.add(TestbedGenerator.draw(spec.seed(), level, TestbedGenerator.Split.TEST, spec.perLevel()));
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < spec.perLevel(); i++) {
            for (List<TestbedProblem> level : byLevel) {
                TestbedProblem p = level.get(i);
                String id = "s" + spec.seed() + "-L" + p.level() + "-" + i;
                out.add(new Problem(id, p.question(), Long.toString(p.answer()), p));
            }
        }
        this.problems = List.copyOf(out);
    }

    /** parses "testbed", "testbed:7" or "testbed:7:40"; null when the token is not a testbed one */
    public static Spec parse(String token) {
        if (!token.equals(ID) && !token.startsWith(ID + ":")) return null;
        String[] parts = token.split(":", -1);
        if (parts.length > 3) throw new IllegalArgumentException("testbed takes at most a seed and a count: testbed[:SEED[:PER_LEVEL]], got '" + token + "'");
        try {
            long seed = parts.length > 1 ? Long.parseLong(parts[1]) : DEFAULT_SEED;
            int per = parts.length > 2 ? Integer.parseInt(parts[2]) : DEFAULT_PER_LEVEL;
            if (per < 1 || per > 10_000) throw new IllegalArgumentException("testbed problems per level must be 1..10000, got " + per);
            return new Spec(seed, per);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("testbed[:SEED[:PER_LEVEL]] takes integers, got '" + token + "'");
        }
    }

    @Override public String id() { return ID; }
    @Override public String displayName() { return "Testbed"; }

    /** the generator seed fixes the problems; the sampling seed does not change them */
    @Override public List<Problem> problems(long seed) { return problems; }
    @Override public String prompt(Problem problem) { return Prompts.math(problem.question()); }
    @Override public Judgement judge(Problem problem, String output) { return judge.judge(problem, output); }

    @Override
    public Integer level(Problem problem) {
        return problem.detail() instanceof TestbedProblem p ? p.level() : null;
    }
}
