package dev.lowbit.eval;

/**
 * The scorers a benchmark needs, behind one seam so the evaluation pipeline does not depend on
 * how answer extraction is implemented. The real implementation adapts
 * {@code dev.lowbit.eval.score.MathScorer} (prediction targets Expr + LaTeX with boxed priority
 * 0, precision 5) and {@code LetterScorer} (NativeLetters); tests pass simple fakes.
 */
public interface StudyScoring {
    /** math answer judge whose gold is extracted as `gold` says */
    AnswerJudge math(MathGold gold);

    /** multiple-choice judge: Problem.gold is the letter, options are A.. by count */
    AnswerJudge multipleChoice(int nOptions);
}
