package dev.lowbit.eval.lcb;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * One code_generation_lite problem. funcName is metadata.func_name (null for stdin problems);
 * the grader treats a problem as call-based exactly when funcName is set, as LiveCodeBench does.
 */
public record LcbProblem(String questionId, String title, String content, String starterCode, String platform,
                         String difficulty, LocalDateTime contestDate, List<LcbTest> publicTests,
                         List<LcbTest> privateTests, String funcName) {
    public LcbProblem {
        publicTests = List.copyOf(publicTests);
        privateTests = List.copyOf(privateTests);
    }

    /** public tests first, then private: the order the reference runs them in */
    public List<LcbTest> allTests() {
        List<LcbTest> all = new ArrayList<>(publicTests);
        all.addAll(privateTests);
        return all;
    }
}
