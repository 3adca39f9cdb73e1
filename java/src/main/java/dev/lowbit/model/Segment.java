package dev.lowbit.model;

import dev.lowbit.model.kv.Sequence;

/**
 * Tokens to append to one sequence in a forward step: a whole prompt chunk (prefill) or one
 * token (decode). `allLogits` asks for logits at every position (perplexity) instead of only
 * the last.
 */
public record Segment(Sequence seq, int[] tokens, boolean allLogits) {
    public Segment {
        if (tokens.length == 0) throw new IllegalArgumentException("empty segment");
    }

    public int outputs() {
        return allLogits ? tokens.length : 1;
    }
}
