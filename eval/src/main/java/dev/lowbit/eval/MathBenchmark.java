package dev.lowbit.eval;

import java.util.List;

/** A math benchmark: fixed problems, the study's boxed-answer template, a math judge. */
public final class MathBenchmark implements Benchmark {
    private final String id;
    private final String displayName;
    private final List<Problem> problems;
    private final AnswerJudge judge;

    public MathBenchmark(String id, String displayName, List<Problem> problems, AnswerJudge judge) {
        if (problems.isEmpty()) throw new IllegalArgumentException(id + ": no problems");
        this.id = id;
        this.displayName = displayName;
        this.problems = List.copyOf(problems);
        this.judge = judge;
    }

    @Override public String id() { return id; }
    @Override public String displayName() { return displayName; }
    @Override public List<Problem> problems(long seed) { return problems; }
    @Override public String prompt(Problem problem) { return Prompts.math(problem.question()); }
    @Override public Judgement judge(Problem problem, String output) { return judge.judge(problem, output); }
}
