package dev.lowbit.generate;

/** Counters of one generate call: tokens fed/produced, forward steps and wall time. */
public final class GenerationStats {
    public long promptTokens;
    public long outputTokens;
    public long steps;
    public long preemptions;
    public double seconds;

    public double outputTokensPerSecond() {
        return seconds > 0 ? outputTokens / seconds : 0;
    }

    @Override
    public String toString() {
        return String.format("%d prompt + %d output tokens in %.2f s (%.1f output tok/s, %d steps, %d preemptions)",
                promptTokens, outputTokens, seconds, outputTokensPerSecond(), steps, preemptions);
    }
}
