package dev.lowbit.eval.score;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Extraction and equivalence behaviour beyond the shared conformance cases. */
class MathScorerTest {
    private static final MathScorer MATH500 = MathScorer.studyMath500();
    private static final MathScorer EXPR_GOLD = MathScorer.studyExprGold();
    private static final MathScorer LATEX_EXPR = new MathScorer(EnumSet.of(Target.LATEX, Target.EXPR), 5);

    private static boolean math(String gold, String pred) {
        return MATH500.score(gold, pred).correct();
    }

    @Test
    void boxedWithNestedBraces() {
        Verdict v = MATH500.score("$\\frac{\\sqrt{3}}{2}$", "so the answer is \\boxed{\\frac{\\sqrt{3}}{2}}.");
        assertTrue(v.correct(), v.toString());
        assertTrue(math("$\\frac{\\sqrt3}{2}$", "Thus $\\boxed{\\dfrac{\\sqrt{3}}{2}}$"));
        assertFalse(math("$\\frac{\\sqrt{3}}{2}$", "so the answer is \\boxed{\\frac{\\sqrt{2}}{2}}."));
    }

    @Test
    void lastOfSeveralBoxedWins() {
        String pred = "First guess \\boxed{3}. That was wrong because the count misses the corner cases entirely, "
                + "so after fixing it the result is \\boxed{5}.";
        assertTrue(math("$5$", pred));
        assertFalse(math("$3$", pred));
        Verdict v = MATH500.score("$5$", pred);
        assertEquals("5", v.predExtracted().get(0));
    }

    @Test
    void boxedTextLetter() {
        assertTrue(LATEX_EXPR.score("\\(\\boxed{\\text{C}}\\).", "$\\boxed{\\text{(C)}}.$").correct());
        assertFalse(LATEX_EXPR.score("\\(\\boxed{\\text{B}}\\).", "$\\boxed{\\text{(C)}}.$").correct());
    }

    @Test
    void fractionsAgainstDecimalsAtPrecisionFive() {
        assertTrue(math("$\\frac{1}{3}$", "\\boxed{0.33333}"));
        assertTrue(math("$\\frac{1}{3}$", "\\boxed{0.333333}"));
        assertFalse(math("$\\frac{1}{3}$", "\\boxed{0.3333}"));
        assertFalse(math("$\\frac{1}{3}$", "\\boxed{0.33}"));
        // no float on either side: exact comparison
        assertFalse(math("$\\frac{1}{3}$", "\\boxed{\\frac{33333}{100000}}"));
        assertTrue(math("$\\frac{2}{4}$", "\\boxed{\\frac{1}{2}}"));
        assertTrue(math("$0.5$", "\\boxed{\\frac{1}{2}}"));
    }

    @Test
    void percentages() {
        assertTrue(math("$20\\%$", "which makes \\boxed{20\\%}"));
        assertTrue(new MathScorer(EnumSet.of(Target.EXPR), 5).score("25%", "the chance is 25 percent").correct());
        assertFalse(math("$20\\%$", "which makes \\boxed{25\\%}"));
    }

    @Test
    void thousandsSeparators() {
        MathScorer expr = new MathScorer(EnumSet.of(Target.EXPR), 5);
        assertTrue(expr.score("1000", "1,000").correct());
        assertTrue(expr.score("1000", "it costs $1,000 in total").correct());
        assertTrue(expr.score("1234567", "1 234 567").correct());
        assertTrue(math("$11111111100$", "is $\\boxed{11,\\! 111,\\! 111,\\! 100}$"));
        assertTrue(math("$1000$", "\\boxed{1{,}000}"));
        assertFalse(expr.score("1000", "1,001").correct());
    }

    @Test
    void intervals() {
        assertTrue(math("$[0,1)$", "\\boxed{[0, 1)}"));
        assertFalse(math("$[0,1)$", "\\boxed{[0, 1]}"));
        assertFalse(math("$(0,1)$", "\\boxed{[0, 1)}"));
        assertTrue(math("$(-\\infty, 3]$", "\\boxed{(-\\infty,3]}"));
        assertTrue(math("$(-\\infty,-2)\\cup(2,\\infty)$", "\\boxed{(2,\\infty) \\cup (-\\infty,-2)}"));
        assertTrue(math("$(\\frac{1}{2}, 3)$", "\\boxed{(0.5, 3)}"));
    }

    @Test
    void setsIgnoreOrderTuplesDoNot() {
        assertTrue(math("$\\{1,2,3\\}$", "\\boxed{\\{3, 2, 1\\}}"));
        assertTrue(math("$1, 2, 3$", "\\boxed{3, 1, 2}"));
        assertFalse(math("$1, 2, 3$", "\\boxed{3, 1}"));
        assertTrue(math("$(1,2,3)$", "\\boxed{(1,2,3)}"));
        assertFalse(math("$(1,2,3)$", "\\boxed{(3,2,1)}"));
    }

    @Test
    void equationsCompareRightHandSides() {
        assertTrue(math("$x = 3$", "\\boxed{3}"));
        assertTrue(math("$3$", "\\boxed{x = 3}"));
        assertTrue(math("$3$", "\\boxed{x = 1 + 2 = 3}"));
        assertFalse(math("$x = 3$", "\\boxed{4}"));
        assertTrue(math("$x \\le 2$", "\\boxed{2 \\geq x}"));
        assertFalse(math("$x \\le 2$", "\\boxed{x \\geq 2}"));
    }

    @Test
    void symbolicEquality() {
        assertTrue(math("$\\frac{\\sqrt{2}}{2}$", "\\boxed{\\frac{1}{\\sqrt{2}}}"));
        assertTrue(math("$2\\sin b \\cos a$", "\\boxed{\\sin(a+b) - \\sin(a-b)}"));
        assertTrue(math("$x^2 - 1$", "\\boxed{(x-1)(x+1)}"));
        assertFalse(math("$x^2 - 1$", "\\boxed{(x-1)^2}"));
        assertTrue(math("$\\frac{9}{4}\\pi$", "\\boxed{\\frac94\\pi}"));
    }

    @Test
    void degreesUnitsAndMoney() {
        assertTrue(math("$90^\\circ$", "the angle is \\boxed{90^{\\circ}}"));
        assertTrue(math("$30$", "the angle is \\boxed{30°}"));
        assertTrue(math("$15\\mbox{ cm}^2$", "Area: \\boxed{15 \\text{ cm}^2}"));
        assertTrue(EXPR_GOLD.score("18", "She makes \\boxed{\\$18} every day.").correct());
        assertTrue(EXPR_GOLD.score("1000", "He pays \\boxed{\\$1,000}.").correct());
        assertTrue(math("$\\text{Monday}$", "\\boxed{\\textbf{Monday}}"));
    }

    @Test
    void gsm8kGold() {
        String answer = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
                + "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72";
        assertEquals("72", MathScorer.goldFromGsm8k(answer));
        assertEquals("1234", MathScorer.goldFromGsm8k("so 1,000 + 234\n#### 1,234"));
        assertThrows(IllegalArgumentException.class, () -> MathScorer.goldFromGsm8k("no marker here"));
        // the study hands the whole answer text to expression extraction: the rightmost number is the gold
        Verdict v = EXPR_GOLD.score(answer, "She sold 24 in May, so the total is \\boxed{72}.");
        assertTrue(v.correct(), v.toString());
        assertEquals("72", v.goldExtracted().get(0));
        assertFalse(EXPR_GOLD.score(answer, "So the total is \\boxed{71}.").correct());
        assertTrue(EXPR_GOLD.score("033", "The answer is \\boxed{33}").correct());
    }

    @Test
    void noAnswerIsWrong() {
        Verdict v = MATH500.score("$5$", "I could not solve it.");
        assertFalse(v.correct());
        assertEquals(List.of(), v.predExtracted());
        assertFalse(MATH500.score("$5$", "").correct());
    }

    @Test
    void timeoutCountsAsNotEqual() {
        assertEquals("late", ScoringExecutor.call(() -> {
            Thread.sleep(5_000);
            return "done";
        }, 0.05, "late"));
        Equivalence real = new Equivalence(5);
        MathScorer slow = new MathScorer(EnumSet.of(Target.LATEX), 55, EnumSet.of(Target.LATEX), 0, (g, p) -> {
            try {
                Thread.sleep(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return real.equal(g, p);
        }, 0.3);
        long t0 = System.nanoTime();
        Verdict v = slow.score("$5$", "\\boxed{5}");
        assertFalse(v.correct(), "a comparison past its limit counts as not equal");
        assertEquals("5", v.predExtracted().get(0), "extraction itself still worked");
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "the limit was not honoured");
        assertTrue(math("$\\tan^2(y)+1$", "\\boxed{\\sec^2(y)}"));
    }

    @Test
    void longOutputsStayFast() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 4000; i++) sb.append("Step ").append(i).append(": we have $x_").append(i).append(" = ").append(i).append("$ and so on.\n\n");
        sb.append("Therefore the answer is $\\boxed{42}$.");
        long t0 = System.nanoTime();
        assertTrue(math("$42$", sb.toString()));
        assertTrue(EXPR_GOLD.score("42", sb.toString()).correct());
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "long output took too long");
    }

    @Test
    void pathologicalOutputsAreCutOff() {
        // java.util.regex (like Python's re) is quadratic on a long run of "1 1 1 ...": the limit ends it
        MathScorer quick = new MathScorer(EnumSet.of(Target.EXPR), 55, EnumSet.of(Target.EXPR, Target.LATEX), 0, 5, 0.5);
        long t0 = System.nanoTime();
        Verdict v = quick.score("7", "1 ".repeat(50_000));
        assertFalse(v.correct());
        assertTrue((System.nanoTime() - t0) / 1e9 < 4, "extraction limit not honoured");
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new MathScorer(EnumSet.noneOf(Target.class), 5));
        assertThrows(IllegalArgumentException.class, () -> new MathScorer(EnumSet.of(Target.EXPR), -1));
    }
}
