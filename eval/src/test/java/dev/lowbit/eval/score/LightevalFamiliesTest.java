package dev.lowbit.eval.score;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Three answer shapes where the scorer used to disagree with lighteval 0.8.0 (math_comparison.py,
 * extractive_match_utils.py) over latex2sympy2_extended 1.0.6 (latex2sympy2.py, math_normalization.py,
 * PS.g4). Each expected verdict is lighteval's, checked by running those pristine sources on the same
 * (gold, prediction) pair; the comment names the code path that decides it. Both the default
 * configuration of lighteval's tests (LaTeX + expression targets, precision 6) and the study's
 * MATH-500 scorer (\boxed first, precision 5) must give that verdict.
 */
class LightevalFamiliesTest {
    private static final MathScorer DEFAULT = new MathScorer(EnumSet.of(Target.LATEX, Target.EXPR), 6);
    private static final MathScorer STUDY = MathScorer.studyMath500();

    private static void lighteval(boolean expected, String gold, String pred) {
        lighteval(expected, expected, gold, pred);
    }

    private static void lighteval(boolean expectedDefault, boolean expectedStudy, String gold, String pred) {
        Verdict v = DEFAULT.score(gold, pred);
        assertEquals(expectedDefault, v.correct(), "default scorer, gold " + gold + " pred " + pred + ": " + v);
        v = STUDY.score(gold, pred);
        assertEquals(expectedStudy, v.correct(), "study scorer, gold " + gold + " pred " + pred + ": " + v);
    }

    // ---------------------------------------------------------------- 1. sets of equation tuples joined by "and"

    @Test
    void andSeparatesGroupsThatBecomeTuples() {
        // math_normalization.normalize_latex: \text{and} -> ';'; convert_elements_to_set_or_tuple: groups of
        // several items become Tuples, so the gold is {(x=1, y=2), (x=3, y=4)}
        assertEquals("x=1, y=2 \\quad ; \\quad x=3, y=4",
                LatexNormalizer.normalize("x=1, y=2 \\quad \\text{and} \\quad x=3, y=4", LatexNormalizer.Boxed.ALL));
        MathNode gold = LatexParser.parse("x=1, y=2 ; x=3, y=4");
        assertEquals("{(x = 1, y = 2), (x = 3, y = 4)}", gold.toString());

        String g = "$\\boxed{x=1, y=2 \\quad \\text{and} \\quad x=3, y=4}$";
        // sympy_deep_compare_set_and_tuple (sorted sets), then Tuple vs open Interval (1,2) compared as a pair
        // (sympy_compare_sets), and Eq(x, 1) vs 1 by is_assignment_relation -> rhs
        lighteval(true, g, "The solutions are \\boxed{(1,2), (3,4)}");
        lighteval(true, g, "The solutions are \\boxed{(3,4), (1,2)}");
        // same set written the other way round: FiniteSet equality / sorted deep compare
        lighteval(true, g, "so \\boxed{x=3, y=4 \\quad \\text{and} \\quad x=1, y=2}");
        // a flat list has 4 elements against 2 tuples: sympy_deep_compare_set_and_tuple needs equal lengths
        lighteval(false, g, "so \\boxed{1,2,3,4}");
        // one pair of two: lengths differ
        lighteval(false, g, "so \\boxed{(1,2)}");
        // swapped coordinates: (x=1, y=2) vs (2,1) compared in order
        lighteval(false, g, "so \\boxed{(2,1), (4,3)}");
    }

    @Test
    void tupleEquationsJoinedByAndDoNotParse() {
        // PS.g4: a relation compares exprs; `(x, y) = (1, 2)` parses only as the whole answer
        // (set_elements_relation / set_relation), so `(x,y) = (1,2) ; (x,y) = (3,4)` is a syntax error.
        // lighteval then falls back to the expression target, which finds the bare number 2 in the gold.
        assertThrows(LatexParseException.class, () -> LatexParser.parse("(x, y) = (1, 2) \\quad;\\quad (x,y) = (3,4)"));
        assertThrows(LatexParseException.class, () -> LatexParser.parse("(x,y)=(1,2), (x,y)=(3,4)"));
        assertEquals("(x, y) = (1, 2)", LatexParser.parse("(x,y)=(1,2)").toString());

        String g = "$\\boxed{(x, y) = (1, 2) \\quad\\text{and}\\quad (x,y) = (3,4)}$";
        assertEquals(List.of("2", "(x, y) = (1, 2) \\quad;\\quad (x,y) = (3,4)"), DEFAULT.score(g, "\\boxed{2}").goldExtracted());
        // the gold is the number 2, so the right pairs are wrong ...
        lighteval(false, g, "The solutions are \\boxed{(1,2), (3,4)}");
        lighteval(false, g, "The solutions are \\boxed{(x,y) = (1,2) \\text{ and } (x,y)=(3,4)}");
        // ... and a bare 2 is right (compare_gold_target on the expression fallback); the study's gold side has
        // the LaTeX target only, so there nothing parses and the raw gold string equals no answer
        lighteval(true, false, g, "\\boxed{2}");
    }

    @Test
    void symbolListOnTheLeftOfOneEquation() {
        // set_elements_relation: `(x,y) = (1,2) ; (3,4)` is Eq((x, y), {(1,2), (3,4)}); is_assignment_relation
        // (lhs only symbols) takes the rhs against a set prediction
        lighteval(true, "$\\boxed{(x,y) = (1,2) \\text{ and } (3,4)}$", "\\boxed{(3,4), (1,2)}");
        // `x = 1, 2, 3` is Eq(x, {1, 2, 3}), not {x = 1, 2, 3}
        assertEquals("x = {1, 2, 3}", LatexParser.parse("x = 1, 2, 3").toString());
        lighteval(true, "$x = 1, 2, 3$", "\\boxed{3, 2, 1}");
        lighteval(false, "$x = 1, 2, 3$", "\\boxed{1, 2}");
        // several relations in the list: set_elements, a set of equations
        assertEquals("{x = 5, x = -5}", LatexParser.parse("x=5 ; x=-5").toString());
        lighteval(true, "$\\boxed{x=5 \\text{ and } x=-5}$", "\\boxed{5, -5}");
        lighteval(false, "$\\boxed{x=5 \\text{ and } x=-5}$", "\\boxed{5}");
    }

    // ---------------------------------------------------------------- 2. |x - a| inequalities against intervals

    @Test
    void absoluteValueInequalityAgainstUnionOfIntervals() {
        // sympy_expr_eq: is_relation(gold) and pred is a Set -> unwrap_fcs(gold).as_set()
        // (sympy's univariate inequality solver), then sympy_compare_sets: set equality / empty symmetric difference
        lighteval(true, "$|x-2| > 3$", "the solution set is \\boxed{(-\\infty, -1) \\cup (5, \\infty)}");
        lighteval(true, "$|x-2| > 3$", "the solution set is \\boxed{(5, \\infty) \\cup (-\\infty, -1)}");
        lighteval(true, "$|2x+1| \\ge 5$", "so \\boxed{(-\\infty, -3] \\cup [2, \\infty)}");
        lighteval(true, "$\\lvert x-2 \\rvert > 3$", "so \\boxed{(-\\infty, -1) \\cup (5, \\infty)}");
        // closed ends where the solution is open: the symmetric difference is {-1, 5}
        lighteval(false, "$|x-2| > 3$", "the solution set is \\boxed{(-\\infty, -1] \\cup [5, \\infty)}");
        lighteval(false, "$|x-2| > 3$", "the solution set is \\boxed{(-\\infty, 1) \\cup (5, \\infty)}");
        // pieces that merge to the same set are the same set (symmetric_difference(...).is_empty)
        lighteval(true, "$|x-2| \\le 3$", "so \\boxed{[-1,0)\\cup[0,5]}");
        lighteval(true, "$|x-2| \\ge 3$", "so \\boxed{(-\\infty,-1)\\cup\\{-1\\}\\cup[5,\\infty)}");
        // x \in S: interpret_contains_as_eq gives Eq(x, S); is_equation(pred) -> its rhs, the union
        lighteval(true, "$|x-2| > 3$", "\\boxed{x \\in (-\\infty, -1) \\cup (5, \\infty)}");
        // a set of two relations (\text{ or } -> ';') is a FiniteSet of relations: not the union
        lighteval(false, "$|x-2| > 3$", "the solution set is \\boxed{x < -1 \\text{ or } x > 5}");
    }

    @Test
    void absoluteValueInequalityAgainstOneInterval() {
        // as_set gives one Interval: sympy_compare_sets -> sympy_compare_interval (open ends and endpoints)
        lighteval(true, "$|x| \\le 2$", "so \\boxed{[-2, 2]}");
        lighteval(true, "$|x - 3| \\leq 1$", "so \\boxed{[2,4]}");
        lighteval(true, "$|3x-1| < 2$", "so \\boxed{\\left(-\\frac{1}{3}, 1\\right)}");
        lighteval(false, "$|x| \\le 2$", "so \\boxed{(-2, 2)}");
        lighteval(false, "$|x - 4| < 2$", "\\boxed{(2, 6]}");
        // endpoints go through sympy_expr_eq: a float endpoint equals a rational one to the precision ...
        lighteval(true, "$|3x-1| < 2$", "so \\boxed{(-0.333333, 1)}");
        // ... but in a union the sets must be equal exactly (0.666667 is not 2/3)
        lighteval(false, "$|x-\\frac{1}{3}| > 1$", "so \\boxed{(-\\infty, -0.666667) \\cup (1.333333, \\infty)}");
        // an irrational endpoint never equals a float (sympy_numeric_eq needs two Numbers)
        lighteval(true, "$x^2 < 2$", "so \\boxed{(-\\sqrt{2}, \\sqrt{2})}");
        lighteval(false, "$x^2 < 2$", "so \\boxed{(-1.41421, 1.41421)}");
    }

    @Test
    void relationSetConversionIsOneWayAndUnivariate() {
        // only a relation *gold* is turned into a set: a set gold against a relation prediction is not equal
        lighteval(false, "$(-\\infty, -1) \\cup (5, \\infty)$", "the solution set is \\boxed{|x-2| > 3}");
        lighteval(false, "$[-2,2]$", "so \\boxed{|x| \\le 2}");
        // as_set fails with two free symbols: the gold stays a relation, which no set equals
        lighteval(false, "$|x-y| < 1$", "so \\boxed{(-1,1)}");
        // relation against relation: sympy_compare_relational (same or flipped operator, lhs - rhs equal)
        lighteval(true, "$|x-2| > 3$", "\\boxed{3 < |x-2|}");
        // And(-2 <= x, x <= 2) against Abs(x) <= 2: relations are compared structurally, not solved
        lighteval(false, "$|x| \\le 2$", "so \\boxed{-2 \\le x \\le 2}");
        // unwrap_fcs makes f(x) the symbol f_x, so 0 < f(x) < 1 is the interval (0, 1)
        lighteval(true, "$0<f(x)<1$", "$(0,1)$");
    }

    @Test
    void relationsSympyDecidesOnConstruction() {
        // unwrap_fcs rebuilds the relation with evaluation on: |x-1| >= 0 becomes True, whose as_set is the
        // universal set, which is not the interval (-oo, oo)
        lighteval(false, "$|x-1| \\ge 0$", "so \\boxed{(-\\infty, \\infty)}");
        lighteval(false, "$x^2 + 1 > 0$", "so \\boxed{(-\\infty,\\infty)}");
        // sympy cannot decide x^2 - 2x + 2 > 0 from signs, so as_set solves it: all reals = (-oo, oo)
        lighteval(true, "$x^2 - 2x + 2 > 0$", "so \\boxed{(-\\infty,\\infty)}");
        // |x - 1| < 0 becomes False, whose set is empty
        lighteval(true, "$|x-1| < 0$", "so \\boxed{\\emptyset}");
        // other univariate relations take the same path: equations give finite sets, rational functions
        // lose the poles
        lighteval(true, "$x^2 = 4$", "so \\boxed{\\{-2, 2\\}}");
        lighteval(true, "$\\frac{x+1}{x-2} \\ge 0$", "so \\boxed{(-\\infty,-1]\\cup(2,\\infty)}");
        lighteval(true, "$x \\ne 3$", "so \\boxed{(-\\infty,3)\\cup(3,\\infty)}");
    }

    @Test
    void solverPieces() {
        RealSets.Solution s = RealSets.solve(LatexParser.parse("|x+1| + |x-1| \\le 4"));
        assertNotNull(s);
        assertEquals("[-2, 2]", RealSets.toNode(s.pieces()).toString());
        s = RealSets.solve(LatexParser.parse("2 < |x| < 5"));
        assertNotNull(s);
        assertEquals("(-5, -2) U (2, 5)", RealSets.toNode(s.pieces()).toString());
        s = RealSets.solve(LatexParser.parse("|x-1| \\le 0"));
        assertNotNull(s);
        assertEquals("{1}", RealSets.toNode(s.pieces()).toString());
        assertNull(RealSets.solve(LatexParser.parse("\\sqrt{x} < 2")), "roots of the variable are not solved");
        assertTrue(RealSets.solve(LatexParser.parse("|x| + 1 > 0")).universal());
    }

    // ---------------------------------------------------------------- 3. a relation predicted for a plain number

    @Test
    void approxWithSymbolOnTheLeftIsItsValue() {
        // latex2sympy convert_relation, APPROX: lhs only symbols (is_expr_of_only_symbols) -> the rhs
        assertEquals("11", LatexParser.parse("x \\approx 11").toString());
        lighteval(true, "$11$", "so \\boxed{x \\approx 11}");
        lighteval(true, "$11$", "so $x \\approx 11$");
        lighteval(true, "$3.14$", "so \\boxed{a \\approx 3.14}");
        lighteval(true, "$11$", "so \\boxed{AB \\approx 11}");
        lighteval(true, "$11$", "so \\boxed{x_1 \\approx 11}");
        // PS.g4's APPROX token also takes the character
        lighteval(true, "$11$", "so \\boxed{x≈11}");
        // normalize_latex turns ~= into \approx
        lighteval(true, "$11$", "so $x ~= 11$");
        // the value is then compared as any number: 11.2 is not 11, 3.14 is not pi (a Float never equals an irrational)
        lighteval(false, "$11$", "so \\boxed{x \\approx 11.2}");
        lighteval(false, "$11$", "so \\boxed{x \\approx 12}");
        lighteval(false, "$\\pi$", "so \\boxed{a \\approx 3.14}");
        lighteval(true, "$7.5$", "\\boxed{t \\approx 7.5}");
        lighteval(false, "$7.5$", "\\boxed{t \\approx 7.49}");
    }

    @Test
    void approxWithAnythingElseOnTheLeftKeepsTheLeft() {
        // APPROX with an lhs that is not only symbols: "we don't want approximation", the lhs is kept
        assertEquals("(2*x)", LatexParser.parse("2x \\approx 11").toString());
        lighteval(false, "$11$", "so \\boxed{2x \\approx 11}");
        lighteval(false, "$11$", "so \\boxed{\\pi \\approx 11}");
        lighteval(false, "$11$", "so \\boxed{-x \\approx 11}");
        lighteval(true, "$11$", "so \\boxed{11 \\approx x}");
        lighteval(true, "$5$", "so \\boxed{11 - 6 \\approx 5}");
        // x = 1/3 is an equation, not only symbols: Eq(x, 1/3) is kept; then is_equation(pred) -> rhs 1/3
        lighteval(true, "$\\frac{1}{3}$", "so \\boxed{x = \\frac{1}{3} \\approx 0.33}");
        lighteval(false, "$0.33$", "so \\boxed{x = \\frac{1}{3} \\approx 0.33}");
        // x = y is built from symbols alone, so x = y \approx 5 is 5
        lighteval(true, "$5$", "so \\boxed{x = y \\approx 5}");
    }

    @Test
    void equationPredictedForANumber() {
        // sympy_expr_eq: is_equation(pred) and not is_equation(gold) -> take_last_relation(pred).rhs
        lighteval(true, "$11$", "so $x = 11$");
        lighteval(true, "$11$", "so \\boxed{x = 11}");
        lighteval(true, "$11$", "so \\boxed{N(t) = 11}");
        lighteval(false, "$11$", "so \\boxed{x = 12}");
        // an assignment gold against a number: is_assignment_relation(gold) -> its rhs
        lighteval(true, "$x = 11$", "so \\boxed{x \\approx 11}");
        lighteval(true, "$x = 11$", "so \\boxed{11}");
    }
}
