package dev.lowbit.eval.score;

import dev.lowbit.eval.score.MathNode.*;
import org.matheclipse.core.interfaces.IAST;
import org.matheclipse.core.interfaces.IExpr;
import org.matheclipse.core.interfaces.IFraction;
import org.matheclipse.core.interfaces.IInteger;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Subsets of the real line written as intervals, unions and finite sets of numbers, and the
 * solution sets of relations in one real variable. This is the part of lighteval's
 * `sympy_expr_eq` that turns a relation gold into a set when the prediction is a set
 * (`unwrap_fcs(gold).as_set()`, i.e. sympy's univariate inequality solver) and the part of
 * `sympy_compare_sets` that asks whether two sets are equal (`symmetric_difference(...).is_empty`).
 *
 * <p>The solver handles relations (=, !=, <, <=, >, >=, and chains of them) whose two sides are
 * rational functions of one variable with absolute values (not nested) of such functions: the
 * real line is cut at every root of an absolute value's argument, of each sign case of the
 * difference of the sides and of its denominator (roots from Symja's {@code Solve} over the
 * reals), and the relation is evaluated on every cut point and between them. Anything else
 * (several variables, roots or logarithms of the variable, ...) is not solved: the relation then
 * stays a relation, which equals no set.
 */
final class RealSets {
    private RealSets() {}

    /** one connected piece: an interval, or a single point (lo == hi, both closed) */
    record Piece(MathNode lo, MathNode hi, double loV, double hiV, boolean loOpen, boolean hiOpen) {
        boolean isPoint() { return !loOpen && !hiOpen && loV == hiV; }
    }

    /** what a relation's solution set is: pieces, or sympy's universal set (the relation evaluated to True) */
    record Solution(List<Piece> pieces, boolean universal) {}

    private static final MathNode INF = new Const("Infinity");
    private static final MathNode NEG_INF = new Neg(INF);
    private static final int MAX_ABS = 4;

    // ------------------------------------------------------------------ sets written in the answer

    /** the pieces of an interval / union / finite set of numbers, merged; null when it is not such a set */
    static List<Piece> of(MathNode n) {
        List<Piece> raw = new ArrayList<>();
        if (!collect(n, raw)) return null;
        return merge(raw);
    }

    private static boolean collect(MathNode n, List<Piece> out) {
        if (n instanceof Interval i) {
            Double lo = value(i.lo()), hi = value(i.hi());
            if (lo == null || hi == null) return false;
            if (lo > hi || (lo.doubleValue() == hi.doubleValue() && (i.loOpen() || i.hiOpen()))) return true; // empty
            out.add(new Piece(i.lo(), i.hi(), lo, hi, i.loOpen() || lo.isInfinite(), i.hiOpen() || hi.isInfinite()));
            return true;
        }
        if (n instanceof Union u) {
            for (MathNode p : u.parts()) if (!collect(p, out)) return false;
            return true;
        }
        if (n instanceof SetOf s && !s.tuple()) {
            for (MathNode x : s.items()) {
                Double v = value(x);
                if (v == null || v.isInfinite()) return false;
                out.add(new Piece(x, x, v, v, false, false));
            }
            return true;
        }
        return false;
    }

    /** the real value of a numeric node; ±infinity for ±\infty; null when not a real number */
    static Double value(MathNode n) {
        if (n instanceof Const c && c.symjaName().equals("Infinity")) return Double.POSITIVE_INFINITY;
        if (n instanceof Neg g && g.x() instanceof Const c && c.symjaName().equals("Infinity")) return Double.NEGATIVE_INFINITY;
        if (n instanceof Num x) return x.value().doubleValue();
        if (!isConstant(n)) return null;
        return Cas.realValue(n.symja());
    }

    /** a numeric expression without symbols, infinities, sets or relations */
    private static boolean isConstant(MathNode n) {
        if (n instanceof Num || n instanceof Value) return true;
        if (n instanceof Const c) return !c.symjaName().equals("Infinity");
        if (n instanceof Neg g) return isConstant(g.x());
        if (n instanceof Add a) return a.terms().stream().allMatch(RealSets::isConstant);
        if (n instanceof Mul m) return m.factors().stream().allMatch(RealSets::isConstant);
        if (n instanceof Div d) return isConstant(d.num()) && isConstant(d.den());
        if (n instanceof Pow p) return isConstant(p.base()) && isConstant(p.exp());
        if (n instanceof Pct p) return isConstant(p.x());
        if (n instanceof Fn f) return MathNode.KNOWN_FUNCTIONS.contains(f.name()) && f.args().stream().allMatch(RealSets::isConstant);
        return false;
    }

    /** sorts and joins overlapping or touching pieces (a point on an open end closes it) */
    static List<Piece> merge(List<Piece> raw) {
        List<Piece> sorted = new ArrayList<>(raw);
        sorted.sort(Comparator.comparingDouble(Piece::loV).thenComparing(p -> p.loOpen()));
        List<Piece> out = new ArrayList<>();
        for (Piece p : sorted) {
            if (out.isEmpty()) { out.add(p); continue; }
            Piece cur = out.get(out.size() - 1);
            boolean overlaps = p.loV() < cur.hiV() || (sameValue(p.lo(), p.loV(), cur.hi(), cur.hiV()) && (!p.loOpen() || !cur.hiOpen()));
            if (!overlaps) { out.add(p); continue; }
            Piece joined;
            if (p.hiV() > cur.hiV()) joined = new Piece(cur.lo(), p.hi(), cur.loV(), p.hiV(), cur.loOpen(), p.hiOpen());
            else if (sameValue(p.hi(), p.hiV(), cur.hi(), cur.hiV()))
                joined = new Piece(cur.lo(), cur.hi(), cur.loV(), cur.hiV(), cur.loOpen(), cur.hiOpen() && p.hiOpen());
            else joined = cur;
            if (sameValue(p.lo(), p.loV(), cur.lo(), cur.loV()) && !p.loOpen())
                joined = new Piece(joined.lo(), joined.hi(), joined.loV(), joined.hiV(), false, joined.hiOpen());
            out.set(out.size() - 1, joined);
        }
        return out;
    }

    /** the same subset of the real line (sympy: the symmetric difference is empty); endpoints compare exactly */
    static boolean sameSet(List<Piece> a, List<Piece> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            Piece x = a.get(i), y = b.get(i);
            if (x.loOpen() != y.loOpen() || x.hiOpen() != y.hiOpen()) return false;
            if (!sameValue(x.lo(), x.loV(), y.lo(), y.loV()) || !sameValue(x.hi(), x.hiV(), y.hi(), y.hiV())) return false;
        }
        return true;
    }

    /** exactly equal numbers (a float equals a rational only when it is that rational) */
    private static boolean sameValue(MathNode a, double av, MathNode b, double bv) {
        if (Double.isInfinite(av) || Double.isInfinite(bv)) return av == bv;
        if (Math.abs(av - bv) > 1e-9 * (1 + Math.abs(av))) return false;
        if (a.equals(b)) return true;
        try {
            return Cas.exactZero("(" + a.symja() + ")-(" + b.symja() + ")");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** the node sympy's set would print as: an interval, a finite set, or a union of them */
    static MathNode toNode(List<Piece> pieces) {
        if (pieces.isEmpty()) return new SetOf(List.of(), false);
        if (pieces.stream().allMatch(Piece::isPoint)) return new SetOf(pieces.stream().map(Piece::lo).toList(), false);
        if (pieces.size() == 1) {
            Piece p = pieces.get(0);
            return new Interval(p.lo(), p.hi(), p.loOpen(), p.hiOpen(), false);
        }
        List<MathNode> parts = new ArrayList<>();
        for (Piece p : pieces) {
            parts.add(p.isPoint() ? new SetOf(List.of(p.lo()), false) : new Interval(p.lo(), p.hi(), p.loOpen(), p.hiOpen(), false));
        }
        return new Union(parts);
    }

    // ------------------------------------------------------------------ solving relations

    /** the solution set of a relation (or a chain / conjunction of relations) in one real variable; null when not solved */
    static Solution solve(MathNode relation) {
        List<Rel> rels = new ArrayList<>();
        if (relation instanceof Rel r) rels.add(r);
        else if (relation instanceof And a) rels.addAll(a.rels());
        else return null;
        // lighteval's unwrap_fcs: an undefined function applied, f(x), is the symbol f_x
        rels.replaceAll(r -> new Rel(r.op(), unwrapFunctions(r.lhs()), unwrapFunctions(r.rhs())));

        Set<String> vars = new LinkedHashSet<>();
        for (Rel r : rels) {
            if (!collectSymbols(r.lhs(), vars) || !collectSymbols(r.rhs(), vars)) return null;
        }
        if (vars.size() != 1) return null;
        Sym var = new Sym(vars.iterator().next());

        // sympy rebuilds the relations with evaluation on (unwrap_fcs): ones its sign rules decide become True/False
        List<Rel> open = new ArrayList<>();
        for (Rel r : rels) {
            Boolean decided = decide(r);
            if (decided == null) open.add(r);
            else if (!decided) return new Solution(List.of(), false);
        }
        if (open.isEmpty()) return new Solution(List.of(), true);

        List<MathNode> diffs = new ArrayList<>();
        for (Rel r : open) {
            MathNode h = new Add(List.of(r.lhs(), new Neg(r.rhs())));
            if (!supported(h, var, false)) return null;
            diffs.add(h);
        }

        // cut points: roots of |.| arguments, of every sign case of each difference, and of its denominator
        Map<String, IExpr> cuts = new LinkedHashMap<>();
        for (MathNode h : diffs) {
            List<MathNode> absArgs = new ArrayList<>();
            absArguments(h, absArgs);
            if (absArgs.size() > MAX_ABS) return null;
            for (MathNode a : absArgs) if (!roots(a.symja(), var, cuts)) return null;
            for (int mask = 0; mask < (1 << absArgs.size()); mask++) {
                MathNode hs = replaceAbs(h, absArgs, mask);
                String together = "Together(" + hs.symja() + ")";
                if (!roots("Numerator(" + together + ")", var, cuts)) return null;
                if (!roots("Denominator(" + together + ")", var, cuts)) return null;
            }
        }

        // sorted distinct cut points
        record Cut(IExpr exact, double v) {}
        List<Cut> points = new ArrayList<>();
        for (IExpr e : cuts.values()) {
            Double v = Cas.realValue(e.toString());
            if (v == null || v.isInfinite() || v.isNaN()) return null;
            points.add(new Cut(e, v));
        }
        points.sort(Comparator.comparingDouble(Cut::v));
        List<Cut> distinct = new ArrayList<>();
        for (Cut c : points) {
            if (!distinct.isEmpty() && Math.abs(distinct.get(distinct.size() - 1).v() - c.v()) <= 1e-12 * (1 + Math.abs(c.v()))) continue;
            distinct.add(c);
        }

        // truth on (-oo, p1), {p1}, (p1, p2), ..., {pn}, (pn, oo)
        int n = distinct.size();
        List<Piece> pieces = new ArrayList<>();
        MathNode runLo = null;
        double runLoV = 0;
        boolean runLoOpen = true;
        boolean inRun = false;
        for (int k = 0; k <= 2 * n; k++) {
            boolean isPoint = k % 2 == 1;
            boolean truth;
            if (isPoint) {
                truth = holds(open, var, "(" + distinct.get(k / 2).exact() + ")");
            } else {
                int i = k / 2; // region between point i-1 and point i
                double t;
                if (n == 0) t = 0;
                else if (i == 0) t = distinct.get(0).v() - 1;
                else if (i == n) t = distinct.get(n - 1).v() + 1;
                else t = (distinct.get(i - 1).v() + distinct.get(i).v()) / 2;
                truth = holds(open, var, new BigDecimal(t).toPlainString());
            }
            MathNode here = isPoint ? node(distinct.get(k / 2).exact()) : null;
            double hereV = isPoint ? distinct.get(k / 2).v() : 0;
            if (truth && !inRun) {
                inRun = true;
                if (isPoint) { runLo = here; runLoV = hereV; runLoOpen = false; }
                else if (k == 0) { runLo = NEG_INF; runLoV = Double.NEGATIVE_INFINITY; runLoOpen = true; }
                else { Cut c = distinct.get(k / 2 - 1); runLo = node(c.exact()); runLoV = c.v(); runLoOpen = true; }
            } else if (!truth && inRun) {
                inRun = false;
                // the run ended just before this element
                if (isPoint) pieces.add(new Piece(runLo, here, runLoV, hereV, runLoOpen, true));
                else { Cut c = distinct.get(k / 2 - 1); pieces.add(new Piece(runLo, node(c.exact()), runLoV, c.v(), runLoOpen, false)); }
            }
        }
        if (inRun) pieces.add(new Piece(runLo, INF, runLoV, Double.POSITIVE_INFINITY, runLoOpen, true));
        return new Solution(pieces, false);
    }

    /** every relation holds with the variable set to `at` (undefined values do not hold) */
    private static boolean holds(List<Rel> rels, Sym var, String at) {
        for (Rel r : rels) {
            String h = "(" + r.lhs().symja() + ")-(" + r.rhs().symja() + ")";
            Double v = Cas.realValue("ReplaceAll(" + h + "," + var.symja() + "->" + at + ")");
            if (v == null || v.isNaN() || v.isInfinite()) return false;
            boolean zero = Math.abs(v) < 1e-9;
            boolean ok = switch (r.op()) {
                case "=" -> zero;
                case "!=" -> !zero;
                case "<" -> !zero && v < 0;
                case "<=" -> zero || v < 0;
                case ">" -> !zero && v > 0;
                case ">=" -> zero || v > 0;
                default -> false;
            };
            if (!ok) return false;
        }
        return true;
    }

    /** adds the real roots of `expr` = 0 (Symja's Solve over the reals); false when Symja cannot list them */
    private static boolean roots(String expr, Sym var, Map<String, IExpr> out) {
        IExpr poly = Cas.eval(expr);
        if (poly.isZero()) return true; // identically zero in this sign case: no cut
        if (poly.isNumber()) return true; // a non-zero constant has no roots
        IExpr sol = Cas.eval("Solve((" + poly + ")==0," + var.symja() + ",Reals)");
        if (!sol.isList()) return false;
        IAST list = (IAST) sol;
        for (int i = 1; i <= list.argSize(); i++) {
            IExpr rules = list.get(i);
            if (!rules.isList() || ((IAST) rules).argSize() != 1) return false;
            IExpr rule = ((IAST) rules).get(1);
            if (!rule.isRuleAST()) return false;
            IExpr value = ((IAST) rule).get(2);
            out.putIfAbsent(value.toString(), value);
        }
        return true;
    }

    /** an exact root as a node: integers stay numbers, fractions divisions, anything else a CAS value */
    private static MathNode node(IExpr e) {
        if (e instanceof IInteger i) return new Num(new BigDecimal(i.toBigNumerator()), false);
        if (e instanceof IFraction f) {
            return new Div(new Num(new BigDecimal(f.numerator().toBigNumerator()), false),
                    new Num(new BigDecimal(f.denominator().toBigNumerator()), false));
        }
        return new Value(e.toString());
    }

    /** the symbols of an expression; false for what the solver does not take (sets, relations, undefined functions) */
    private static boolean collectSymbols(MathNode n, Set<String> out) {
        if (n instanceof Sym s) { out.add(s.name()); return true; }
        if (n instanceof Num || n instanceof Value) return true;
        if (n instanceof Const c) return !c.symjaName().equals("Infinity");
        if (n instanceof Neg g) return collectSymbols(g.x(), out);
        if (n instanceof Pct p) return collectSymbols(p.x(), out);
        if (n instanceof Add a) { for (MathNode t : a.terms()) if (!collectSymbols(t, out)) return false; return true; }
        if (n instanceof Mul m) { for (MathNode t : m.factors()) if (!collectSymbols(t, out)) return false; return true; }
        if (n instanceof Div d) return collectSymbols(d.num(), out) && collectSymbols(d.den(), out);
        if (n instanceof Pow p) return collectSymbols(p.base(), out) && collectSymbols(p.exp(), out);
        if (n instanceof Fn f && MathNode.KNOWN_FUNCTIONS.contains(f.name())) {
            for (MathNode t : f.args()) if (!collectSymbols(t, out)) return false;
            return true;
        }
        return false;
    }

    private static MathNode unwrapFunctions(MathNode n) {
        if (n instanceof Fn f && !MathNode.KNOWN_FUNCTIONS.contains(f.name())) {
            StringBuilder name = new StringBuilder(f.name());
            for (MathNode a : f.args()) name.append('_').append(unwrapFunctions(a));
            return new Sym(name.toString());
        }
        if (n instanceof Fn f) return new Fn(f.name(), f.args().stream().map(RealSets::unwrapFunctions).toList());
        if (n instanceof Neg g) return new Neg(unwrapFunctions(g.x()));
        if (n instanceof Pct p) return new Pct(unwrapFunctions(p.x()));
        if (n instanceof Add a) return new Add(a.terms().stream().map(RealSets::unwrapFunctions).toList());
        if (n instanceof Mul m) return new Mul(m.factors().stream().map(RealSets::unwrapFunctions).toList());
        if (n instanceof Div d) return new Div(unwrapFunctions(d.num()), unwrapFunctions(d.den()));
        if (n instanceof Pow p) return new Pow(unwrapFunctions(p.base()), unwrapFunctions(p.exp()));
        return n;
    }

    private static boolean containsVar(MathNode n, Sym var) {
        if (n instanceof Sym s) return s.equals(var);
        if (n instanceof Neg g) return containsVar(g.x(), var);
        if (n instanceof Pct p) return containsVar(p.x(), var);
        if (n instanceof Add a) return a.terms().stream().anyMatch(t -> containsVar(t, var));
        if (n instanceof Mul m) return m.factors().stream().anyMatch(t -> containsVar(t, var));
        if (n instanceof Div d) return containsVar(d.num(), var) || containsVar(d.den(), var);
        if (n instanceof Pow p) return containsVar(p.base(), var) || containsVar(p.exp(), var);
        if (n instanceof Fn f) return f.args().stream().anyMatch(t -> containsVar(t, var));
        return false;
    }

    /** a rational function of the variable with (not nested) absolute values */
    private static boolean supported(MathNode n, Sym var, boolean insideAbs) {
        if (!containsVar(n, var)) return isConstant(n);
        if (n instanceof Sym) return true;
        if (n instanceof Neg g) return supported(g.x(), var, insideAbs);
        if (n instanceof Pct p) return supported(p.x(), var, insideAbs);
        if (n instanceof Add a) return a.terms().stream().allMatch(t -> supported(t, var, insideAbs));
        if (n instanceof Mul m) return m.factors().stream().allMatch(t -> supported(t, var, insideAbs));
        if (n instanceof Div d) return supported(d.num(), var, insideAbs) && supported(d.den(), var, insideAbs);
        if (n instanceof Pow p) {
            return p.exp() instanceof Num e && !e.isFloat() && e.value().abs().compareTo(BigDecimal.valueOf(12)) <= 0
                    && supported(p.base(), var, insideAbs);
        }
        if (n instanceof Fn f && f.name().equals("Abs") && f.args().size() == 1 && !insideAbs) {
            return supported(f.args().get(0), var, true);
        }
        return false;
    }

    private static void absArguments(MathNode n, List<MathNode> out) {
        if (n instanceof Fn f && f.name().equals("Abs")) {
            if (!out.contains(f.args().get(0))) out.add(f.args().get(0));
            return;
        }
        if (n instanceof Neg g) absArguments(g.x(), out);
        else if (n instanceof Pct p) absArguments(p.x(), out);
        else if (n instanceof Add a) a.terms().forEach(t -> absArguments(t, out));
        else if (n instanceof Mul m) m.factors().forEach(t -> absArguments(t, out));
        else if (n instanceof Div d) { absArguments(d.num(), out); absArguments(d.den(), out); }
        else if (n instanceof Pow p) { absArguments(p.base(), out); absArguments(p.exp(), out); }
        else if (n instanceof Fn f) f.args().forEach(t -> absArguments(t, out));
    }

    /** |a_i| replaced by a_i or -a_i, by the bits of mask */
    private static MathNode replaceAbs(MathNode n, List<MathNode> absArgs, int mask) {
        if (n instanceof Fn f && f.name().equals("Abs")) {
            int i = absArgs.indexOf(f.args().get(0));
            MathNode a = f.args().get(0);
            return (mask >> i & 1) == 0 ? a : new Neg(a);
        }
        if (n instanceof Neg g) return new Neg(replaceAbs(g.x(), absArgs, mask));
        if (n instanceof Pct p) return new Pct(replaceAbs(p.x(), absArgs, mask));
        if (n instanceof Add a) return new Add(a.terms().stream().map(t -> replaceAbs(t, absArgs, mask)).toList());
        if (n instanceof Mul m) return new Mul(m.factors().stream().map(t -> replaceAbs(t, absArgs, mask)).toList());
        if (n instanceof Div d) return new Div(replaceAbs(d.num(), absArgs, mask), replaceAbs(d.den(), absArgs, mask));
        if (n instanceof Pow p) return new Pow(replaceAbs(p.base(), absArgs, mask), replaceAbs(p.exp(), absArgs, mask));
        if (n instanceof Fn f) return new Fn(f.name(), f.args().stream().map(t -> replaceAbs(t, absArgs, mask)).toList());
        return n;
    }

    // ------------------------------------------------------------------ sympy's evaluation of a relation

    /**
     * True / False when sympy decides the relation on construction from the sign of lhs - rhs
     * (|x - 1| >= 0, x^2 + 1 > 0, |x| < -1), null when it stays a relation. Only the sign rules
     * that matter here are modelled: numbers, absolute values, even powers, sums and products
     * of terms of known sign.
     */
    static Boolean decide(Rel r) {
        Sign s = sign(new Add(List.of(r.lhs(), new Neg(r.rhs()))));
        return switch (r.op()) {
            case ">" -> s == Sign.POS ? Boolean.TRUE : s.atMostZero() ? Boolean.FALSE : null;
            case ">=" -> s.atLeastZero() ? Boolean.TRUE : s == Sign.NEG ? Boolean.FALSE : null;
            case "<" -> s == Sign.NEG ? Boolean.TRUE : s.atLeastZero() ? Boolean.FALSE : null;
            case "<=" -> s.atMostZero() ? Boolean.TRUE : s == Sign.POS ? Boolean.FALSE : null;
            case "=" -> s == Sign.ZERO ? Boolean.TRUE : (s == Sign.POS || s == Sign.NEG) ? Boolean.FALSE : null;
            case "!=" -> s == Sign.ZERO ? Boolean.FALSE : (s == Sign.POS || s == Sign.NEG) ? Boolean.TRUE : null;
            default -> null;
        };
    }

    enum Sign {
        POS, NEG, ZERO, NONNEG, NONPOS, UNKNOWN;
        boolean atLeastZero() { return this == POS || this == ZERO || this == NONNEG; }
        boolean atMostZero() { return this == NEG || this == ZERO || this == NONPOS; }
        Sign negate() {
            return switch (this) { case POS -> NEG; case NEG -> POS; case NONNEG -> NONPOS; case NONPOS -> NONNEG; default -> this; };
        }
    }

    static Sign sign(MathNode n) {
        if (n instanceof Num x) return x.value().signum() > 0 ? Sign.POS : x.value().signum() < 0 ? Sign.NEG : Sign.ZERO;
        if (n instanceof Const c) return c.symjaName().equals("Infinity") ? Sign.UNKNOWN : Sign.POS;
        if (n instanceof Neg g) return sign(g.x()).negate();
        if (n instanceof Pct p) return sign(p.x());
        if (n instanceof Fn f && (f.name().equals("Abs") || f.name().equals("Sqrt")) && f.args().size() == 1) {
            Sign a = sign(f.args().get(0));
            if (f.name().equals("Abs")) return a == Sign.POS || a == Sign.NEG ? Sign.POS : a == Sign.ZERO ? Sign.ZERO : Sign.NONNEG;
            return a == Sign.POS ? Sign.POS : a == Sign.ZERO ? Sign.ZERO : Sign.UNKNOWN;
        }
        if (n instanceof Pow p && p.exp() instanceof Num e && !e.isFloat() && e.value().signum() > 0) {
            Sign b = sign(p.base());
            boolean even = e.value().toBigInteger().testBit(0) == false;
            if (b == Sign.POS || b == Sign.ZERO) return b;
            if (even) return b == Sign.NEG ? Sign.POS : Sign.NONNEG;
            return b;
        }
        if (n instanceof Add a) {
            boolean allNonneg = true, allNonpos = true, anyPos = false, anyNeg = false;
            for (MathNode t : a.terms()) {
                Sign s = sign(t);
                if (!s.atLeastZero()) allNonneg = false;
                if (!s.atMostZero()) allNonpos = false;
                if (s == Sign.POS) anyPos = true;
                if (s == Sign.NEG) anyNeg = true;
            }
            if (allNonneg) return anyPos ? Sign.POS : allNonpos ? Sign.ZERO : Sign.NONNEG;
            if (allNonpos) return anyNeg ? Sign.NEG : Sign.NONPOS;
            return Sign.UNKNOWN;
        }
        if (n instanceof Mul || n instanceof Div) {
            List<MathNode> fs = n instanceof Mul m ? m.factors() : List.of(((Div) n).num(), ((Div) n).den());
            boolean negative = false, maybeZero = false;
            for (int i = 0; i < fs.size(); i++) {
                Sign s = sign(fs.get(i));
                boolean isDen = n instanceof Div && i == 1;
                if (s == Sign.ZERO) { if (isDen) return Sign.UNKNOWN; return Sign.ZERO; }
                if (s == Sign.NEG) negative = !negative;
                else if (s == Sign.NONNEG || s == Sign.NONPOS) {
                    if (isDen) return Sign.UNKNOWN;
                    maybeZero = true;
                    if (s == Sign.NONPOS) negative = !negative;
                } else if (s != Sign.POS) return Sign.UNKNOWN;
            }
            if (maybeZero) return negative ? Sign.NONPOS : Sign.NONNEG;
            return negative ? Sign.NEG : Sign.POS;
        }
        return Sign.UNKNOWN;
    }
}
