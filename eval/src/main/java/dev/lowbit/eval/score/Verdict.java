package dev.lowbit.eval.score;

import java.util.List;

/** The outcome of scoring one prediction: whether it counts as correct and what was extracted from each side. */
public record Verdict(boolean correct, List<String> goldExtracted, List<String> predExtracted) {
    public Verdict {
        goldExtracted = List.copyOf(goldExtracted);
        predExtracted = List.copyOf(predExtracted);
    }
}
