package dev.lowbit.eval;

import java.util.List;

/**
 * The study's user-turn templates, verbatim (reference/quantized-reasoning-study.md §1.5):
 * the math template of its lighteval tasks, simple-evals' multiple-choice template for GPQA,
 * and lighteval 0.8.0's LiveCodeBench prompt. The chat template is applied later by the engine.
 */
public final class Prompts {
    private Prompts() {}

    public static final String MATH_SUFFIX = "\n\nPlease reason step by step, and put your final answer within \\boxed{}.";

    public static final String GPQA_HEADER = "Answer the following multiple choice question. The last line of your response "
            + "should be of the following format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. "
            + "Think step by step before answering.\n\n";

    /**
     * A system prompt after "Quantization Meets Reasoning" (Li et al., 2025): its fixed system prompt asks for
     * numbered steps and a final boxed answer ("Answer: \\boxed{42}"); the paper does not print it in full,
     * so this is a reconstruction of what it describes, not its wording (reference §4).
     */
    public static final String QMR_SYSTEM = "Solve the problem step by step. Number the steps (Step 1:, Step 2:, ...), "
            + "and end with the final answer on its own line in the form \"Answer: \\boxed{42}\".";

    public static String math(String problem) {
        return problem + MATH_SUFFIX;
    }

    /** options in display order: A) .. D) */
    public static String gpqa(String question, List<String> options) {
        if (options.size() != 4) throw new IllegalArgumentException("GPQA needs 4 options, got " + options.size());
        return GPQA_HEADER + question + "\n\nA) " + options.get(0) + "\nB) " + options.get(1)
                + "\nC) " + options.get(2) + "\nD) " + options.get(3);
    }

    /**
     * lighteval 0.8.0 `lcb:codegeneration` prompt. Note the missing line break between the
     * instruction sentence and the opening fence: that is how 0.8.0 builds it.
     */
    public static String liveCodeBench(String questionContent, String starterCode) {
        StringBuilder q = new StringBuilder();
        q.append("You will be given a question (problem specification) and will generate a correct Python program "
                + "that matches the specification and passes all tests.\n\n");
        q.append("Question: ").append(questionContent).append("\n\n");
        if (starterCode != null && !starterCode.isEmpty()) {
            q.append("You will use the following starter code to write the solution to the problem and enclose your code within delimiters.");
            q.append("```python\n").append(starterCode).append("\n```\n\n");
        } else {
            q.append("Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on "
                    + "the sample inputs). Enclose your code within delimiters as follows.");
            q.append("```python\n# YOUR CODE HERE\n```\n\n");
        }
        return q.toString();
    }
}
