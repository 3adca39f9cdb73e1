package dev.lowbit.generate;

/**
 * Test-time scaling by budget forcing (s1, Muennighoff et al. 2025) for models that think inside
 * {@code <think> ... </think>}: at {@code maxThinking} thinking tokens the generator writes
 * "\n</think>\n\n" itself so the model must answer; before {@code minThinking} tokens an attempt to
 * close the thought is replaced by "Wait" so the model keeps thinking. 0 turns either off.
 */
public record BudgetForcing(int maxThinking, int minThinking) {
    public static final String END = "</think>";
    /** what the generator writes when the budget is spent */
    public static final String FORCED_END = "\n" + END + "\n\n";
    /** what replaces an early end of thinking (s1's choice) */
    public static final String WAIT = "Wait";

    public BudgetForcing {
        if (maxThinking < 0 || minThinking < 0 || (maxThinking > 0 && minThinking > maxThinking))
            throw new IllegalArgumentException("thinking budget: need 0 <= min <= max (0 = off), got min " + minThinking + ", max " + maxThinking);
    }

    public boolean active() {
        return maxThinking > 0 || minThinking > 0;
    }
}
