package dev.lowbit.eval.testbed;

/**
 * One testbed problem.
 *
 * @param level    difficulty, 1 (one event, two digits) to {@link TestbedGenerator#MAX_LEVEL}
 * @param question the word problem (the user message before the study's math suffix)
 * @param solution the worked answer as the model should write it after the template's opening
 *                 {@code <think>\n}: column arithmetic, {@code </think>}, then {@code \boxed{answer}}
 * @param answer   the final count
 */
public record TestbedProblem(int level, String question, String solution, long answer) {}
