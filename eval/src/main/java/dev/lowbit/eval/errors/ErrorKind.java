package dev.lowbit.eval.errors;

/**
 * Why an answer is wrong, as far as it can be told from the output alone. The generic kinds hold for every
 * benchmark; the testbed's worked solutions are regular enough that a wrong one is traced to the first step
 * that departs from the problem (the step kinds), as the error analyses of quantized reasoning do by hand.
 */
public enum ErrorKind {
    CORRECT("correct", "the answer is right"),
    // generic
    TRUNCATED("truncated", "no answer: the output ran into the token budget"),
    LOOPING("looping", "no answer: the output ran into the token budget repeating itself"),
    NO_ANSWER("no answer", "the output ended without a final answer"),
    WRONG_ANSWER("wrong answer", "a final answer, wrong (no step-level check for this benchmark)"),
    // testbed steps, the first departure from the problem
    START_MISREAD("start misread", "the starting amount restated wrongly"),
    SKIPPED_EVENT("skipped event", "an event of the problem left out"),
    EXTRA_EVENT("extra event", "an event worked that the problem does not have"),
    WRONG_OPERATION("wrong operation", "an event added where it removes, or the reverse"),
    OPERAND_MISREAD("operand misread", "a number of an event restated or used wrongly"),
    COPY_ERROR("copy error", "a running total carried to the next step wrongly"),
    ARITHMETIC_ERROR("arithmetic error", "a sum, difference or product worked out wrongly"),
    FINAL_COPY("final copy", "the last result restated wrongly as the answer"),
    UNPARSED("unparsed step", "a step not in the solutions' form, so not checked");

    public final String label;
    public final String description;

    ErrorKind(String label, String description) {
        this.label = label;
        this.description = description;
    }
}
