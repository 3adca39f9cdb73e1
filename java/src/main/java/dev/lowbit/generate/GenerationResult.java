package dev.lowbit.generate;

/**
 * What one sequence produced. stopReason: "eos" (end-of-generation token), "stop" (a stop
 * string, cut from text), "length" (max tokens) or "context" (context window full).
 */
public record GenerationResult(int index, int[] tokens, String text, String stopReason, int promptTokens,
                               double seconds) {
    public int outputTokens() {
        return tokens.length;
    }
}
