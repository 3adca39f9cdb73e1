package dev.lowbit.eval.score;

/** An extracted answer that the LaTeX or expression parser cannot read; the extractor then tries the next match. */
final class LatexParseException extends RuntimeException {
    LatexParseException(String message) { super(message, null, false, false); }
}
