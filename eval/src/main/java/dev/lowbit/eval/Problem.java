package dev.lowbit.eval;

import java.util.Objects;

/**
 * One benchmark item as the model sees it for one seed.
 *
 * @param id       stable id within its benchmark (used for resume and reports)
 * @param question the problem text that goes into the prompt template
 * @param gold     the gold answer in the form the scorer expects (full solution text for
 *                 MATH-500 and GSM8K, the answer string for AIME/AMC, the letter for GPQA,
 *                 empty for LiveCodeBench whose gold is its tests)
 * @param detail   benchmark-specific extras (GPQA options, LiveCodeBench tests), or null
 */
public record Problem(String id, String question, String gold, Object detail) {
    public Problem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(gold, "gold");
    }
}
