package dev.lowbit.eval.score;

/** What an answer is extracted as: LaTeX (lighteval LatexExtractionConfig), a plain number or
 *  expression (ExprExtractionConfig) or a multiple-choice letter (IndicesExtractionConfig, NativeLetters). */
public enum Target { LATEX, EXPR, LETTERS }
