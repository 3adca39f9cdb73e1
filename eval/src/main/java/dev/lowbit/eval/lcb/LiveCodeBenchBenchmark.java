package dev.lowbit.eval.lcb;

import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.Judgement;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.Prompts;
import java.util.ArrayList;
import java.util.List;

/** LiveCodeBench code generation: lighteval 0.8.0's prompt, pass@1 over all tests in the sandbox. */
public final class LiveCodeBenchBenchmark implements Benchmark {
    private final List<Problem> problems;
    private final LcbGrader grader;

    public LiveCodeBenchBenchmark(List<LcbProblem> lcb, LcbGrader grader) {
        if (lcb.isEmpty()) throw new IllegalArgumentException("lcb: no problems in the selected subset");
        List<Problem> ps = new ArrayList<>(lcb.size());
        for (LcbProblem p : lcb) ps.add(new Problem(p.questionId(), p.content(), "", p));
        this.problems = List.copyOf(ps);
        this.grader = grader;
    }

    @Override public String id() { return "lcb"; }
    @Override public String displayName() { return "LiveCodeBench"; }
    @Override public List<Problem> problems(long seed) { return problems; }

    @Override
    public String prompt(Problem problem) {
        LcbProblem p = lcb(problem);
        return Prompts.liveCodeBench(p.content(), p.starterCode());
    }

    @Override
    public Judgement judge(Problem problem, String output) {
        LcbProblem p = lcb(problem);
        String code = CodeExtractor.lastFencedBlock(output);
        LcbGrader.Verdict v = grader.grade(p, code);
        String shown = code.isEmpty() ? "" : code.lines().count() + " lines of code";
        return new Judgement(v.passed(), shown, v.testsTotal() + " tests", v.passed() ? "" : v.failure());
    }

    private static LcbProblem lcb(Problem problem) {
        if (!(problem.detail() instanceof LcbProblem p)) throw new IllegalArgumentException("not a LiveCodeBench problem: " + problem.id());
        return p;
    }
}
