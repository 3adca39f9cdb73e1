package dev.lowbit.eval;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deliberately simple stand-in for the real scorers in runner/report tests: the last
 * \boxed{...} (or last "Answer: X") must equal a normalised gold string. Not the study's
 * scoring; that lives in dev.lowbit.eval.score.
 */
public final class FakeScoring implements StudyScoring {
    private static final Pattern BOXED = Pattern.compile("\\\\boxed\\{([^{}]*)\\}");
    private static final Pattern LETTER = Pattern.compile("Answer:\\s*([A-D])");

    static String last(Pattern p, String s) {
        Matcher m = p.matcher(s);
        String found = "";
        while (m.find()) found = m.group(1).strip();
        return found;
    }

    @Override
    public AnswerJudge math(MathGold gold) {
        return (problem, output) -> {
            String g = gold == MathGold.LATEX ? last(BOXED, problem.gold())
                    : problem.detail() instanceof String s ? s : problem.gold();
            String pred = last(BOXED, output);
            return Judgement.of(!pred.isEmpty() && pred.equals(g), pred, g);
        };
    }

    @Override
    public AnswerJudge multipleChoice(int nOptions) {
        return (problem, output) -> {
            String pred = last(LETTER, output);
            return Judgement.of(pred.equals(problem.gold()), pred, problem.gold());
        };
    }
}
