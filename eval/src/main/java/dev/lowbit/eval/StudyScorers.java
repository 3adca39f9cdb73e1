package dev.lowbit.eval;

import dev.lowbit.eval.score.LetterScorer;
import dev.lowbit.eval.score.MathScorer;
import dev.lowbit.eval.score.Verdict;
import java.util.List;

/**
 * The study's scoring (reference §1.6) behind {@link StudyScoring}: MATH-500 golds read with
 * LaTeX extraction, AIME/AMC/GSM8K golds with expression extraction, predictions with
 * expression + LaTeX extraction and \boxed first, precision 5 ({@link MathScorer}); GPQA letters
 * with NativeLetters and exact match ({@link LetterScorer}). Thread-safe.
 */
public final class StudyScorers implements StudyScoring {
    private final MathScorer latexGold = MathScorer.studyMath500();
    private final MathScorer exprGold = MathScorer.studyExprGold();

    @Override
    public AnswerJudge math(MathGold gold) {
        MathScorer scorer = gold == MathGold.LATEX ? latexGold : exprGold;
        return (problem, output) -> judgement(scorer.score(problem.gold(), output));
    }

    @Override
    public AnswerJudge multipleChoice(int nOptions) {
        return (problem, output) -> judgement(LetterScorer.score(problem.gold(), output, nOptions));
    }

    /** the first extracted answer of each side is what the record shows */
    private static Judgement judgement(Verdict v) {
        return new Judgement(v.correct(), first(v.predExtracted()), first(v.goldExtracted()), "");
    }

    private static String first(List<String> xs) {
        return xs.isEmpty() ? "" : xs.get(0);
    }
}
