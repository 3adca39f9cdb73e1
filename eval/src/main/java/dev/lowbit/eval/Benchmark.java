package dev.lowbit.eval;

import java.util.List;

/** A data set with its prompt template and its scoring, as the study defines them. */
public interface Benchmark {
    /** short id used on the command line and in records, e.g. "gsm8k", "aime25", "gpqa" */
    String id();

    /** display name used in report tables, e.g. "GSM8K", "GPQA-Diamond" */
    String displayName();

    /**
     * The problems as they are posed under this seed, in data-set order. Only GPQA depends on
     * the seed (the study shuffles the answer position per seed); the others ignore it.
     */
    List<Problem> problems(long seed);

    /** the user message (before the chat template), the study's template verbatim */
    String prompt(Problem problem);

    /** scores one output */
    Judgement judge(Problem problem, String output);

    /** the problem's difficulty level when the benchmark grades them (testbed levels), else null */
    default Integer level(Problem problem) {
        return null;
    }
}
