package dev.lowbit.eval.score;

import dev.lowbit.eval.score.Extractor.Candidate;
import dev.lowbit.eval.score.MathNode.*;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether an extracted prediction equals an extracted gold, following lighteval's
 * math_comparison: cheap structural/evaluated equality first, then relations (also flipped),
 * sets/intervals/tuples (sets unordered, tuples and intervals ordered), symbols (\text{odd}
 * equals o*d*d), then numeric equality (rounded to `precision` decimals only when a side is a
 * float literal) and finally symbolic equality through Symja.
 */
final class Equivalence {
    private final int precision;

    Equivalence(int precision) {
        if (precision < 0 || precision > 30) throw new IllegalArgumentException("precision must be 0..30: " + precision);
        this.precision = precision;
    }

    boolean equal(Candidate gold, Candidate pred) {
        if (gold.node() != null && pred.node() != null) return exprEq(gold.node(), pred.node());
        if (gold.node() == null && pred.node() == null) {
            String g = gold.text().strip(), p = pred.text().strip();
            return !g.isEmpty() && !p.isEmpty() && g.equals(p);
        }
        return false;
    }

    boolean exprEq(MathNode gold, MathNode pred) {
        // `x = 3` against `3`: compare the right-hand side; an equation predicted for a plain gold: its last rhs
        if (isAssignment(gold) && !isEquation(pred)) gold = lastRel(gold).rhs();
        if (isEquation(pred) && !isEquation(gold)) pred = lastRel(pred).rhs();
        // a relation gold against a set: the relation's solution set (lighteval: unwrap_fcs(gold).as_set());
        // one sympy decides on construction (|x| >= 0) becomes the universal set, which equals no answer
        if (isRelation(gold) && isSet(pred)) {
            RealSets.Solution solved = RealSets.solve(gold);
            if (solved != null) {
                if (solved.universal()) return false;
                gold = RealSets.toNode(solved.pieces());
            }
        }
        if (strEq(gold, pred)) return true;
        if (isRelation(gold) && isRelation(pred)) return compareRelational(gold, pred);
        if (isSetOrTuple(gold) || isSetOrTuple(pred)) return compareSets(gold, pred);
        if (gold instanceof Sym || pred instanceof Sym) return compareSymbols(gold, pred);
        if (isRelation(gold) || isRelation(pred)) return false;
        return numericEq(gold, pred) || symbolicEq(gold, pred);
    }

    // ------------------------------------------------------------------ shapes

    static boolean isRelation(MathNode n) { return n instanceof Rel || n instanceof And; }

    static boolean isEquation(MathNode n) {
        if (n instanceof Rel r) return r.op().equals("=");
        if (n instanceof And a) return a.rels().stream().allMatch(r -> r.op().equals("="));
        return false;
    }

    static Rel lastRel(MathNode n) {
        if (n instanceof And a) return a.rels().get(a.rels().size() - 1);
        return (Rel) n;
    }

    static boolean isAssignment(MathNode n) {
        if (n instanceof Rel r) return r.op().equals("=") && onlySymbols(r.lhs());
        if (n instanceof And a) return isEquation(a) && onlySymbols(a.rels().get(0).lhs());
        return false;
    }

    /** built from symbols alone (x, AB, S_{MBCN}:S, f(x), (p,q)) */
    static boolean onlySymbols(MathNode n) {
        if (n instanceof Sym s) return true;
        if (n instanceof Mul m) return m.factors().stream().allMatch(Equivalence::onlySymbols);
        if (n instanceof Div d) return onlySymbols(d.num()) && onlySymbols(d.den());
        if (n instanceof Fn f) return !MathNode.KNOWN_FUNCTIONS.contains(f.name()) && f.args().stream().allMatch(Equivalence::onlySymbols);
        if (n instanceof SetOf s) return !s.items().isEmpty() && s.items().stream().allMatch(Equivalence::onlySymbols);
        if (n instanceof Interval i) return i.fromParens() && onlySymbols(i.lo()) && onlySymbols(i.hi());
        return false;
    }

    private static boolean isSet(MathNode n) {
        return n instanceof Interval || n instanceof Union || (n instanceof SetOf s && !s.tuple());
    }

    private static boolean isSetOrTuple(MathNode n) {
        return n instanceof Interval || n instanceof Union || n instanceof SetOf;
    }

    /** plain expressions (no relation, set, interval) that Symja can evaluate */
    private static boolean isAlgebraic(MathNode n) {
        if (n instanceof Num x) return true;
        if (n instanceof Value v) return true;
        if (n instanceof Sym s) return true;
        if (n instanceof Const c) return true;
        if (n instanceof Neg g) return isAlgebraic(g.x());
        if (n instanceof Add a) return a.terms().stream().allMatch(Equivalence::isAlgebraic);
        if (n instanceof Mul m) return m.factors().stream().allMatch(Equivalence::isAlgebraic);
        if (n instanceof Div d) return isAlgebraic(d.num()) && isAlgebraic(d.den());
        if (n instanceof Pow p) return isAlgebraic(p.base()) && isAlgebraic(p.exp());
        if (n instanceof Fn f) return f.args().stream().allMatch(Equivalence::isAlgebraic);
        if (n instanceof Pct p) return isAlgebraic(p.x());
        if (n instanceof Matrix m) return m.rows().stream().allMatch(r -> r.stream().allMatch(Equivalence::isAlgebraic));
        return false;
    }

    // ------------------------------------------------------------------ comparisons

    /** structurally equal, equal in printed form, or equal once evaluated */
    private boolean strEq(MathNode a, MathNode b) {
        if (a.equals(b) || a.toString().strip().equals(b.toString().strip())) return true;
        if (isAlgebraic(a) && isAlgebraic(b)) {
            try {
                return Cas.sameValue(a.symja(), b.symja());
            } catch (RuntimeException e) {
                return false;
            }
        }
        return false;
    }

    private boolean compareRelational(MathNode gold, MathNode pred) {
        if (gold instanceof And ga) {
            if (!(pred instanceof And pa) || pa.rels().size() != ga.rels().size()) return false;
            for (int i = 0; i < ga.rels().size(); i++) if (!compareRelational(ga.rels().get(i), pa.rels().get(i))) return false;
            return true;
        }
        if (!(gold instanceof Rel g) || !(pred instanceof Rel p)) return false;
        if (g.op().equals(p.op()) && exprEq(diff(g.lhs(), g.rhs()), diff(p.lhs(), p.rhs()))) return true;
        boolean flipped = (g.op().equals(">=") && p.op().equals("<=")) || (g.op().equals("<=") && p.op().equals(">="))
                || (g.op().equals(">") && p.op().equals("<")) || (g.op().equals("<") && p.op().equals(">"))
                || (g.op().equals("=") && p.op().equals("="));
        return flipped && exprEq(diff(g.lhs(), g.rhs()), diff(p.rhs(), p.lhs()));
    }

    private static MathNode diff(MathNode a, MathNode b) {
        return new Add(List.of(a, new Neg(b)));
    }

    private boolean compareSets(MathNode gold, MathNode pred) {
        MathNode a = isSetOrTuple(gold) ? gold : new SetOf(List.of(gold), false);
        MathNode b = isSetOrTuple(pred) ? pred : new SetOf(List.of(pred), false);
        if (a instanceof Interval ia && b instanceof Interval ib) return compareIntervals(ia, ib);
        if (a.equals(b)) return true;
        // sympy: the symmetric difference is empty (exact endpoints; merged pieces, so (0,1] U (1,2) = (0,2))
        List<RealSets.Piece> pa = RealSets.of(a), pb = RealSets.of(b);
        if (pa != null && pb != null && RealSets.sameSet(pa, pb)) return true;
        if (a instanceof Union ua && b instanceof Union ub) return (pa == null || pb == null) && matchUnordered(ua.parts(), ub.parts());
        if (a instanceof SetOf sa && b instanceof SetOf sb) return deepCompare(sa, sb);
        if (a instanceof Interval ia && ia.loOpen() && ia.hiOpen() && b instanceof SetOf sb && sb.items().size() == 2)
            return deepCompare(new SetOf(List.of(ia.lo(), ia.hi()), true), sb);
        if (b instanceof Interval ib && ib.loOpen() && ib.hiOpen() && a instanceof SetOf sa && sa.items().size() == 2)
            return deepCompare(sa, new SetOf(List.of(ib.lo(), ib.hi()), true));
        return false;
    }

    private boolean compareIntervals(Interval a, Interval b) {
        return a.loOpen() == b.loOpen() && a.hiOpen() == b.hiOpen() && exprEq(a.lo(), b.lo()) && exprEq(a.hi(), b.hi());
    }

    /** sets compare without order; a tuple gold against a list prediction compares in written order */
    private boolean deepCompare(SetOf gold, SetOf pred) {
        if (gold.items().size() != pred.items().size()) return false;
        if (!gold.tuple()) return matchUnordered(gold.items(), pred.items());
        for (int i = 0; i < gold.items().size(); i++) if (!exprEq(gold.items().get(i), pred.items().get(i))) return false;
        return true;
    }

    private boolean matchUnordered(List<MathNode> gold, List<MathNode> pred) {
        if (gold.size() != pred.size()) return false;
        List<MathNode> left = new ArrayList<>(pred);
        for (MathNode g : gold) {
            int hit = -1;
            for (int i = 0; i < left.size(); i++) {
                if (exprEq(g, left.get(i))) { hit = i; break; }
            }
            if (hit < 0) return false;
            left.remove(hit);
        }
        return true;
    }

    /** \text{odd} against o*d*d (a word read as a product of letters) */
    private static boolean compareSymbols(MathNode gold, MathNode pred) {
        if (gold instanceof Sym g && pred instanceof Mul m) return concat(m) != null && g.name().equalsIgnoreCase(concat(m));
        if (pred instanceof Sym p && gold instanceof Mul m) return concat(m) != null && p.name().equalsIgnoreCase(concat(m));
        return gold.equals(pred);
    }

    private static String concat(Mul m) {
        StringBuilder sb = new StringBuilder();
        for (MathNode f : m.factors()) {
            if (!(f instanceof Sym s)) return null;
            sb.append(s.name());
        }
        return sb.toString();
    }

    private static boolean isAtomicNumber(MathNode n) {
        return n instanceof Num || (n instanceof Pct p && p.x() instanceof Num);
    }

    private static boolean isAtomicFloat(MathNode n) {
        return (n instanceof Num x && x.isFloat()) || (n instanceof Pct p && p.x() instanceof Num x2 && x2.isFloat());
    }

    /** numbers: rounded to `precision` decimals when a side is a float literal, else exactly; other expressions: N(a - b) = 0 */
    private boolean numericEq(MathNode a, MathNode b) {
        try {
            if (a instanceof Matrix ma && b instanceof Matrix mb) {
                if (ma.rows().size() != mb.rows().size() || ma.rows().get(0).size() != mb.rows().get(0).size()) return false;
                for (int r = 0; r < ma.rows().size(); r++)
                    for (int c = 0; c < ma.rows().get(r).size(); c++)
                        if (!numericEq(ma.rows().get(r).get(c), mb.rows().get(r).get(c))) return false;
                return true;
            }
            if (!isAlgebraic(a) || !isAlgebraic(b)) return false;
            if (isAtomicNumber(a) || isAtomicNumber(b)) {
                if (isAtomicFloat(a) || isAtomicFloat(b)) {
                    BigDecimal va = Cas.numberValue(a.symja());
                    BigDecimal vb = Cas.numberValue(b.symja());
                    if (va == null || vb == null) return false;
                    return va.setScale(precision, RoundingMode.HALF_EVEN).compareTo(vb.setScale(precision, RoundingMode.HALF_EVEN)) == 0;
                }
                return Cas.sameValue(a.symja(), b.symja());
            }
            return Cas.numericZero("(" + a.symja() + ")-(" + b.symja() + ")");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private boolean symbolicEq(MathNode a, MathNode b) {
        if (!isAlgebraic(a) || !isAlgebraic(b)) return false;
        try {
            return Cas.symbolicZero("(" + a.symja() + ")-(" + b.symja() + ")");
        } catch (RuntimeException e) {
            return false;
        }
    }
}
