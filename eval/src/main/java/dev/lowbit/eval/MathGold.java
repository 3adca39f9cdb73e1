package dev.lowbit.eval;

/**
 * How the study extracts a math gold answer (reference §1.6): MATH-500's gold is the full
 * solution read with LaTeX extraction (its last \boxed{}); AIME, AMC and GSM8K golds are read
 * with expression extraction (GSM8K's full answer text, whose last number follows "####").
 */
public enum MathGold {
    LATEX,
    EXPR
}
