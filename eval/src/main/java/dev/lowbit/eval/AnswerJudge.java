package dev.lowbit.eval;

/**
 * Decides whether an output answers a problem. Math and multiple-choice judges wrap the
 * scorers of {@code dev.lowbit.eval.score}; LiveCodeBench's runs the code in the sandbox.
 * Implementations must be thread-safe: the runner judges results as they arrive.
 */
@FunctionalInterface
public interface AnswerJudge {
    Judgement judge(Problem problem, String output);
}
