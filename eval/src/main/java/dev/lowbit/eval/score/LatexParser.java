package dev.lowbit.eval.score;

import dev.lowbit.eval.score.LatexTokenizer.Kind;
import dev.lowbit.eval.score.LatexTokenizer.Token;
import dev.lowbit.eval.score.MathNode.*;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Recursive-descent reader of normalised LaTeX answers into {@link MathNode}s: arithmetic with
 * implicit multiplication, \frac, \sqrt, functions, relations (chains and \approx), comma lists
 * (sets), `;`-separated groups (sets of tuples), intervals, \cup, \pm, matrices and \text.
 * Anything else is a {@link LatexParseException}, which makes the extractor try the next match.
 */
final class LatexParser {
    private static final Pattern GROUPED_NUMBER = Pattern.compile("-?\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?");
    private static final Set<String> SKIP = Set.of(",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "left",
            "right", "limits", "nolimits", "space", "enspace", "thinspace", "big", "Big", "bigg", "Bigg", "bigl", "bigr",
            "Bigl", "Bigr", "mathstrut", "middle");
    private static final Map<String, String> FUNCTIONS = Map.ofEntries(
            Map.entry("sin", "Sin"), Map.entry("cos", "Cos"), Map.entry("tan", "Tan"), Map.entry("sec", "Sec"),
            Map.entry("csc", "Csc"), Map.entry("cot", "Cot"), Map.entry("arcsin", "ArcSin"), Map.entry("arccos", "ArcCos"),
            Map.entry("arctan", "ArcTan"), Map.entry("sinh", "Sinh"), Map.entry("cosh", "Cosh"), Map.entry("tanh", "Tanh"),
            Map.entry("ln", "Log"), Map.entry("log", "Log"), Map.entry("lg", "Log"), Map.entry("exp", "Exp"));
    private static final Set<String> GREEK = Set.of("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta",
            "eta", "theta", "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon",
            "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega");
    private static final Set<String> TEXT_COMMANDS = Set.of("text", "mbox", "textbf", "textit", "textrm", "mathrm",
            "operatorname", "textsf", "texttt", "textup", "hbox");
    private static final Set<String> STYLE_COMMANDS = Set.of("mathbf", "boldsymbol", "mathit", "vec", "overrightarrow",
            "overline", "bar", "hat", "widehat", "tilde", "mathsf", "bm", "underline", "mathcal", "mathscr");
    private static final Set<String> REL_COMMANDS = Set.of("le", "leq", "leqslant", "ge", "geq", "geqslant", "lt", "gt",
            "neq", "ne", "equiv");

    private final List<Token> toks;
    private int pos;
    private int absDepth;
    private int vertDepth;

    private LatexParser(List<Token> toks) { this.toks = toks; }

    /** parses one normalised LaTeX answer */
    static MathNode parse(String latex) {
        String s = latex.strip();
        if (s.isEmpty()) throw new LatexParseException("empty");
        if (GROUPED_NUMBER.matcher(s).matches()) s = s.replace(",", "");
        LatexParser p = new LatexParser(LatexTokenizer.tokenize(s));
        MathNode n = p.parseTop();
        if (p.peek().kind != Kind.EOF) throw new LatexParseException("unexpected " + p.peek());
        return n;
    }

    // ---------------------------------------------------------------- token helpers

    private Token peek() {
        skipSpacing();
        return toks.get(pos);
    }

    private Token peekAt(int k) {
        skipSpacing();
        int i = pos, seen = 0;
        while (i < toks.size() - 1) {
            Token t = toks.get(i);
            if (t.kind == Kind.CMD && SKIP.contains(t.text)) { i++; continue; }
            if (seen == k) return t;
            seen++;
            i++;
        }
        return toks.get(toks.size() - 1);
    }

    private void skipSpacing() {
        while (pos < toks.size() - 1) {
            Token t = toks.get(pos);
            if (t.kind == Kind.CMD && SKIP.contains(t.text)) {
                pos++;
                if (t.text.equals("left") || t.text.equals("right")) {
                    if (pos < toks.size() - 1 && toks.get(pos).sym(".")) pos++;
                }
            } else {
                break;
            }
        }
    }

    private Token next() {
        Token t = peek();
        if (t.kind != Kind.EOF) pos++;
        return t;
    }

    private void expectSym(String s) {
        Token t = next();
        if (!t.sym(s)) throw new LatexParseException("expected " + s + " got " + t);
    }

    // ---------------------------------------------------------------- grammar

    /**
     * Top level, read as latex2sympy2_extended 1.0.6's `math` rule does. Comma lists become sets;
     * `;` (also what "and"/"or" normalise to) separates groups: when every group has one item the
     * answer is the set of those items, otherwise every group is a tuple (`x=1, y=2; x=3, y=4` is
     * {(x=1, y=2), (x=3, y=4)}). `v = 1, 2; 3` with a plain symbol (or a parenthesised list of
     * symbols) on the left and no other relation in the list is one equation whose right side is
     * that set. A relation may have a set, tuple or interval on one side only in that form or alone
     * (`(x, y) = (1, 2)`); anywhere else (`(x,y) = (1,2), (x,y) = (3,4)`) the answer does not parse.
     */
    private MathNode parseTop() {
        List<List<MathNode>> groups = new ArrayList<>();
        List<MathNode> cur = new ArrayList<>();
        groups.add(cur);
        while (true) {
            cur.add(parseRelation());
            Token t = peek();
            if (t.sym(",")) { next(); continue; }
            if (t.sym(";")) { next(); cur = new ArrayList<>(); groups.add(cur); continue; }
            break;
        }
        int count = 0;
        for (List<MathNode> g : groups) count += g.size();
        MathNode first = groups.get(0).get(0);
        if (count > 1 && first instanceof Rel r && r.op().equals("=") && isAtomList(r.lhs())
                && !containsRelation(r.rhs()) && restHasNoRelation(groups)) {
            List<List<MathNode>> rhs = new ArrayList<>();
            for (List<MathNode> g : groups) rhs.add(new ArrayList<>(g));
            rhs.get(0).set(0, r.rhs());
            return new Rel("=", r.lhs(), setOrTuples(rhs));
        }
        MathNode result = setOrTuples(groups);
        boolean alone = result instanceof Rel r && r.op().equals("=") && isAtomList(r.lhs())
                && !containsRelation(r.rhs());
        if (!alone) rejectSetOperands(result);
        return result;
    }

    /** latex2sympy's grouping: one group is its item or a set; singleton groups a set; else a set of tuples */
    private static MathNode setOrTuples(List<List<MathNode>> groups) {
        if (groups.size() == 1) {
            List<MathNode> g = groups.get(0);
            return g.size() == 1 ? g.get(0) : finiteSet(g);
        }
        List<MathNode> items = new ArrayList<>();
        boolean singletons = groups.stream().allMatch(g -> g.size() == 1);
        for (List<MathNode> g : groups) items.add(singletons ? g.get(0) : new SetOf(g, true));
        return finiteSet(items);
    }

    /** a symbol or a parenthesised list of symbols (latex2sympy's atom_expr_list) */
    private static boolean isAtomList(MathNode n) {
        if (n instanceof Sym) return true;
        if (n instanceof Interval i) return i.fromParens() && i.lo() instanceof Sym && i.hi() instanceof Sym;
        if (n instanceof SetOf s) return s.tuple() && s.items().stream().allMatch(x -> x instanceof Sym);
        return false;
    }

    private static boolean isSetLike(MathNode n) {
        return n instanceof SetOf || n instanceof Interval || n instanceof Union;
    }

    private static boolean restHasNoRelation(List<List<MathNode>> groups) {
        boolean skipFirst = true;
        for (List<MathNode> g : groups) {
            for (MathNode n : g) {
                if (skipFirst) { skipFirst = false; continue; }
                if (containsRelation(n)) return false;
            }
        }
        return true;
    }

    private static boolean containsRelation(MathNode n) {
        if (n instanceof Rel || n instanceof And) return true;
        if (n instanceof SetOf s) return s.items().stream().anyMatch(LatexParser::containsRelation);
        if (n instanceof Union u) return u.parts().stream().anyMatch(LatexParser::containsRelation);
        return false;
    }

    /** relations compare expressions: a set, tuple or interval operand is a parse error (see parseTop) */
    private static void rejectSetOperands(MathNode n) {
        if (n instanceof Rel r) {
            if (isSetLike(r.lhs()) || isSetLike(r.rhs())) throw new LatexParseException("set operand in relation " + r);
        } else if (n instanceof And a) {
            for (Rel r : a.rels()) rejectSetOperands(r);
        } else if (n instanceof SetOf s) {
            for (MathNode x : s.items()) rejectSetOperands(x);
        } else if (n instanceof Union u) {
            for (MathNode x : u.parts()) rejectSetOperands(x);
        }
    }

    static SetOf finiteSet(List<MathNode> items) {
        return new SetOf(new ArrayList<>(new LinkedHashSet<>(items)), false);
    }

    private String relOp() {
        Token t = peek();
        if (t.kind == Kind.SYM) {
            Token n = peekAt(1);
            switch (t.text) {
                case "=": return "=";
                case "<": return n.sym("=") ? "<=" : "<";
                case ">": return n.sym("=") ? ">=" : "<".equals(t.text) ? "<" : ">";
                case "<=": return "<=";
                case ">=": return ">=";
                case "!=": return "!=";
                case "!": return n.sym("=") ? "!=" : null;
                default: return null;
            }
        }
        if (t.kind == Kind.CMD && REL_COMMANDS.contains(t.text)) {
            return switch (t.text) {
                case "le", "leq", "leqslant" -> "<=";
                case "ge", "geq", "geqslant" -> ">=";
                case "lt" -> "<";
                case "gt" -> ">";
                case "neq", "ne" -> "!=";
                default -> "=";
            };
        }
        return null;
    }

    private void consumeRelOp(String op) {
        Token t = next();
        if (t.kind == Kind.SYM && (t.text.equals("<") || t.text.equals(">") || t.text.equals("!")) && op.length() == 2) {
            expectSym("=");
        }
    }

    /**
     * a relation chain a op b op c; `x \in S` is S. `lhs \approx rhs` (latex2sympy's APPROX):
     * when everything written before it is built from symbols alone (`x`, `AB`, `x_1`, `a/b`) the
     * approximation is the value and the answer becomes rhs (`x \approx 11` is 11); otherwise the
     * right side is dropped (`\frac13 \approx 0.33` is 1/3, `x = 1/3 \approx 0.33` is x = 1/3).
     */
    private MathNode parseRelation() {
        MathNode first = parseUnion();
        List<Rel> rels = new ArrayList<>();
        MathNode prev = first;
        while (true) {
            Token t = peek();
            if (t.cmd("approx")) {
                next();
                MathNode rhs = parseUnion();
                MathNode sofar = rels.isEmpty() ? first : rels.size() == 1 ? rels.get(0) : new And(List.copyOf(rels));
                if (onlySymbols(sofar)) {
                    rels.clear();
                    first = rhs;
                    prev = rhs;
                }
                continue;
            }
            if (t.cmd("sim") || t.cmd("simeq")) {
                next();
                parseUnion();
                continue;
            }
            if (t.cmd("in")) {
                next();
                MathNode set = parseUnion();
                if (!rels.isEmpty()) throw new LatexParseException("relation before \\in");
                first = set;
                prev = set;
                continue;
            }
            String op = relOp();
            if (op == null) break;
            consumeRelOp(op);
            MathNode rhs = parseUnion();
            rels.add(new Rel(op, prev, rhs));
            prev = rhs;
        }
        if (rels.isEmpty()) return first;
        if (rels.size() == 1) return rels.get(0);
        return new And(rels);
    }

    /**
     * latex2sympy's is_expr_of_only_symbols: a symbol, or a node whose every argument is built
     * from symbols alone (x*y, x/y, |x|, f(x), x = y); numbers and constants are not
     */
    static boolean onlySymbols(MathNode n) {
        if (n instanceof Sym) return true;
        if (n instanceof Mul m) return m.factors().stream().allMatch(LatexParser::onlySymbols);
        if (n instanceof Add a) return a.terms().stream().allMatch(LatexParser::onlySymbols);
        if (n instanceof Div d) return onlySymbols(d.num()) && onlySymbols(d.den());
        if (n instanceof Fn f) return !f.args().isEmpty() && f.args().stream().allMatch(LatexParser::onlySymbols);
        if (n instanceof Rel r) return onlySymbols(r.lhs()) && onlySymbols(r.rhs());
        if (n instanceof And a) return a.rels().stream().allMatch(LatexParser::onlySymbols);
        return false;
    }

    private MathNode parseUnion() {
        MathNode a = parseAdditive();
        if (!peek().cmd("cup")) return a;
        List<MathNode> parts = new ArrayList<>();
        parts.add(a);
        while (peek().cmd("cup")) {
            next();
            parts.add(parseAdditive());
        }
        return new Union(parts);
    }

    /** sums; a \pm b becomes the set {a + b, a - b}; a leading \pm (`\pm 2`) does not parse, as in latex2sympy */
    private MathNode parseAdditive() {
        List<MathNode> terms = new ArrayList<>();
        int pmIndex = -1;
        Token t0 = peek();
        if (t0.cmd("pm") || t0.cmd("mp")) throw new LatexParseException("leading \\pm");
        terms.add(parseMultiplicative());
        while (true) {
            Token t = peek();
            if (t.sym("+")) { next(); terms.add(parseMultiplicative()); }
            else if (t.sym("-")) { next(); terms.add(new Neg(parseMultiplicative())); }
            else if (t.cmd("pm") || t.cmd("mp")) {
                next();
                if (pmIndex >= 0) throw new LatexParseException("two \\pm");
                pmIndex = terms.size();
                terms.add(parseMultiplicative());
            } else break;
        }
        if (pmIndex < 0) return terms.size() == 1 ? terms.get(0) : new Add(terms);
        List<MathNode> plus = new ArrayList<>(terms);
        List<MathNode> minus = new ArrayList<>(terms);
        minus.set(pmIndex, new Neg(terms.get(pmIndex)));
        return finiteSet(List.of(plus.size() == 1 ? plus.get(0) : new Add(plus), minus.size() == 1 ? minus.get(0) : new Add(minus)));
    }

    private MathNode parseMultiplicative() {
        MathNode acc = parseUnary();
        while (true) {
            Token t = peek();
            if (t.sym("*") || t.cmd("cdot") || t.cmd("times") || t.cmd("ast")) {
                next();
                acc = mul(acc, parseUnary());
            } else if (t.sym("/") || t.cmd("div") || t.sym(":")) {
                next();
                acc = new Div(acc, parseUnary());
            } else if (startsImplicitFactor(t)) {
                acc = mul(acc, parsePostfix());
            } else {
                break;
            }
        }
        return acc;
    }

    private static MathNode mul(MathNode a, MathNode b) {
        List<MathNode> f = new ArrayList<>();
        if (a instanceof Mul m) f.addAll(m.factors()); else f.add(a);
        f.add(b);
        return new Mul(f);
    }

    private boolean startsImplicitFactor(Token t) {
        return switch (t.kind) {
            case NUM, LETTER -> true;
            case SYM -> t.text.equals("(") || t.text.equals("{") || (t.text.equals("|") && absDepth == 0);
            case CMD -> t.text.equals("frac") || t.text.equals("sqrt") || t.text.equals("pi") || t.text.equals("infty")
                    || FUNCTIONS.containsKey(t.text) || GREEK.contains(t.text) || TEXT_COMMANDS.contains(t.text)
                    || STYLE_COMMANDS.contains(t.text) || t.text.equals("binom") || t.text.equals("lfloor")
                    || t.text.equals("lceil") || t.text.equals("begin") || t.text.equals("{")
                    || t.text.equals("lvert") || (t.text.equals("vert") && vertDepth == 0);
            default -> false;
        };
    }

    private MathNode parseUnary() {
        Token t = peek();
        if (t.sym("-")) { next(); return negate(parseUnary()); }
        if (t.sym("+")) { next(); return parseUnary(); }
        return parsePostfix();
    }

    private static MathNode negate(MathNode x) {
        if (x instanceof Num n) return new Num(n.value().negate(), n.isFloat());
        if (x instanceof Pct p && p.x() instanceof Num n) return new Pct(new Num(n.value().negate(), n.isFloat()));
        return new Neg(x);
    }

    private MathNode parsePostfix() {
        MathNode base = parsePrimary();
        while (true) {
            Token t = peek();
            if (t.sym("^")) {
                next();
                if (isDegree()) continue;
                MathNode e = parseScriptArg();
                base = new Pow(base, e);
            } else if (t.sym("_")) {
                next();
                String sub = rawScript();
                if (base instanceof Sym s) base = new Sym(s.name() + "_" + sub);
                else if (base instanceof Num n && !n.isFloat()) base = new Sym(n + "_" + sub);
                else throw new LatexParseException("subscript on " + base);
            } else if (t.sym("!") && !peekAt(1).sym("=")) {
                next();
                base = new Fn("Factorial", List.of(base));
            } else if (t.sym("'")) {
                next();
                base = base instanceof Sym s ? new Sym(s.name() + "'") : base;
            } else if (t.cmd("circ")) {
                next(); // 30° / 30\circ: degrees stay plain numbers
            } else if (t.sym("%") || t.cmd("%")) {
                next();
                base = new Pct(base);
            } else {
                break;
            }
        }
        return base;
    }

    /** ^\circ and ^{\circ} are dropped (degrees stay plain numbers) */
    private boolean isDegree() {
        Token t = peek();
        if (t.cmd("circ")) { next(); return true; }
        if (t.sym("{") && peekAt(1).cmd("circ") && peekAt(2).sym("}")) { next(); next(); next(); return true; }
        return false;
    }

    /** a superscript: a braced group or a single token (x^23 is x^2 * 3 in TeX) */
    private MathNode parseScriptArg() {
        Token t = peek();
        if (t.sym("{")) return parseBraced();
        if (t.kind == Kind.NUM && t.text.length() > 1 && !t.text.contains(".")) {
            String first = t.text.substring(0, 1);
            t.text = t.text.substring(1);
            return new Num(new BigDecimal(first), false);
        }
        if (t.sym("-")) { next(); return negate(parseScriptArg()); }
        return parsePrimary();
    }

    /** the raw text of a subscript: {...} or one token */
    private String rawScript() {
        Token t = next();
        if (t.sym("{")) {
            StringBuilder sb = new StringBuilder();
            int depth = 1;
            while (true) {
                Token u = toks.get(pos);
                if (u.kind == Kind.EOF) throw new LatexParseException("unclosed subscript");
                pos++;
                if (u.sym("{")) depth++;
                if (u.sym("}") && --depth == 0) break;
                sb.append(u.kind == Kind.CMD ? "\\" + u.text : u.text);
            }
            return sb.toString();
        }
        if (t.kind == Kind.NUM && t.text.length() > 1) {
            String first = t.text.substring(0, 1);
            t.text = t.text.substring(1);
            pos--;
            return first;
        }
        if (t.kind == Kind.EOF) throw new LatexParseException("empty subscript");
        return t.kind == Kind.CMD ? "\\" + t.text : t.text;
    }

    private MathNode parseBraced() {
        expectSym("{");
        if (peek().sym("}")) throw new LatexParseException("empty group");
        MathNode inner = parseList("}");
        expectSym("}");
        return inner;
    }

    /** items separated by commas up to (not including) a closing symbol; one item is itself, several a set */
    private MathNode parseList(String close) {
        List<MathNode> items = parseItems(close);
        return items.size() == 1 ? items.get(0) : finiteSet(items);
    }

    private List<MathNode> parseItems(String... closers) {
        List<MathNode> items = new ArrayList<>();
        int saved = absDepth;
        absDepth = 0;
        while (true) {
            items.add(parseRelation());
            Token t = peek();
            if (t.sym(",") || t.sym(";")) { next(); continue; }
            break;
        }
        absDepth = saved;
        Token t = peek();
        for (String c : closers) if (t.sym(c) || t.cmd(c)) return items;
        throw new LatexParseException("expected closer, got " + t);
    }

    private MathNode parseGroupArg() {
        Token t = peek();
        if (t.sym("{")) return parseBraced();
        if (t.kind == Kind.NUM && t.text.length() > 1) return parseScriptArg();
        return parsePrimary();
    }

    private MathNode parsePrimary() {
        Token t = next();
        switch (t.kind) {
            case NUM: {
                boolean isFloat = t.text.contains(".");
                return new Num(new BigDecimal(t.text), isFloat);
            }
            case LETTER: {
                String name = t.text;
                if ((name.equals("f") || name.equals("g") || name.equals("h")) && peek().sym("(")) {
                    next();
                    List<MathNode> args = parseItems(")");
                    expectSym(")");
                    return new Fn(name, args);
                }
                return new Sym(name);
            }
            case SYM:
                return parseSymbolPrimary(t);
            case CMD:
                return parseCommand(t);
            default:
                throw new LatexParseException("unexpected end");
        }
    }

    private MathNode parseSymbolPrimary(Token t) {
        switch (t.text) {
            case "(": {
                List<MathNode> items = parseItems(")", "]");
                Token close = next();
                boolean hiOpen = close.sym(")");
                if (items.size() == 1) {
                    if (!hiOpen) throw new LatexParseException("(x]");
                    return items.get(0);
                }
                if (items.size() == 2) return new Interval(items.get(0), items.get(1), true, hiOpen, hiOpen);
                if (!hiOpen) throw new LatexParseException("tuple closed by ]");
                return new SetOf(items, true);
            }
            case "[": {
                List<MathNode> items = parseItems("]", ")");
                Token close = next();
                boolean hiOpen = close.sym(")");
                if (items.size() == 1) {
                    if (hiOpen) throw new LatexParseException("[x)");
                    return items.get(0);
                }
                if (items.size() == 2) return new Interval(items.get(0), items.get(1), false, hiOpen, false);
                if (hiOpen) throw new LatexParseException("list closed by )");
                return new SetOf(items, true);
            }
            case "{": {
                if (peek().sym("}")) throw new LatexParseException("empty group");
                MathNode inner = parseList("}");
                expectSym("}");
                return inner;
            }
            case "|": {
                absDepth++;
                MathNode inner = parseAdditive();
                absDepth--;
                expectSym("|");
                return new Fn("Abs", List.of(inner));
            }
            default:
                throw new LatexParseException("unexpected " + t);
        }
    }

    private MathNode parseCommand(Token t) {
        String c = t.text;
        switch (c) {
            case "frac": case "dfrac": case "tfrac": case "cfrac": {
                MathNode num = parseGroupArg();
                MathNode den = parseGroupArg();
                return new Div(num, den);
            }
            case "binom": case "dbinom": case "tbinom": {
                MathNode n = parseGroupArg();
                MathNode k = parseGroupArg();
                return new Fn("Binomial", List.of(n, k));
            }
            case "sqrt": {
                MathNode index = null;
                if (peek().sym("[")) {
                    next();
                    index = parseAdditive();
                    expectSym("]");
                }
                MathNode x = parseGroupArg();
                return index == null ? new Fn("Sqrt", List.of(x)) : new Pow(x, new Div(new Num(BigDecimal.ONE, false), index));
            }
            case "pi": return new Const("Pi");
            case "infty": case "infin": return new Const("Infinity");
            case "emptyset": case "varnothing": return new SetOf(List.of(), false);
            case "{": {
                if (peek().cmd("}")) { next(); return new SetOf(List.of(), false); }
                List<MathNode> items = parseItems("}");
                next();
                return finiteSet(items);
            }
            case "|": {
                MathNode inner = parseAdditive();
                if (!next().cmd("|")) throw new LatexParseException("unclosed norm");
                return new Fn("Abs", List.of(inner));
            }
            case "lvert": case "vert": {
                // latex2sympy's abs_group: \lvert x \rvert and \vert x \vert
                int saved = vertDepth;
                vertDepth = c.equals("vert") ? 1 : 0;
                MathNode inner = parseAdditive();
                vertDepth = saved;
                if (!next().cmd(c.equals("vert") ? "vert" : "rvert")) throw new LatexParseException("unclosed " + c);
                return new Fn("Abs", List.of(inner));
            }
            case "lfloor": case "lceil": {
                MathNode inner = parseAdditive();
                Token close = next();
                if (!close.cmd(c.equals("lfloor") ? "rfloor" : "rceil")) throw new LatexParseException("unclosed " + c);
                return new Fn(c.equals("lfloor") ? "Floor" : "Ceiling", List.of(inner));
            }
            case "langle": {
                List<MathNode> items = parseItems("rangle");
                next();
                return new SetOf(items, true);
            }
            case "begin": return parseEnvironment();
            default:
        }
        if (FUNCTIONS.containsKey(c)) return parseFunction(FUNCTIONS.get(c));
        if (GREEK.contains(c)) return new Sym(c);
        if (TEXT_COMMANDS.contains(c)) return parseText();
        if (STYLE_COMMANDS.contains(c)) return parseGroupArg();
        throw new LatexParseException("unknown command \\" + c);
    }

    /** \sin^2 x, \log_2 8, \sin(x), \sin b */
    private MathNode parseFunction(String name) {
        MathNode power = null, base = null;
        for (int k = 0; k < 2; k++) {
            if (peek().sym("^")) { next(); power = parseScriptArg(); }
            else if (peek().sym("_")) { next(); base = parseScriptArg(); }
        }
        MathNode arg;
        if (peek().sym("(")) {
            next();
            arg = parseList(")");
            expectSym(")");
        } else {
            arg = parsePostfix();
        }
        MathNode f = base != null && name.equals("Log") ? new Fn("Log", List.of(base, arg)) : new Fn(name, List.of(arg));
        if (name.equals("Log") && base == null) f = new Fn("Log", List.of(arg));
        return power == null ? f : new Pow(f, power);
    }

    /** \text{...}: a word becomes one symbol; "(C)" is read as C */
    private MathNode parseText() {
        expectSym("{");
        StringBuilder sb = new StringBuilder();
        int depth = 1;
        while (true) {
            Token u = toks.get(pos);
            if (u.kind == Kind.EOF) throw new LatexParseException("unclosed text");
            pos++;
            if (u.sym("{")) depth++;
            if (u.sym("}") && --depth == 0) break;
            sb.append(u.kind == Kind.CMD ? "\\" + u.text : u.text);
        }
        String s = sb.toString().strip();
        while (s.length() >= 2 && s.startsWith("(") && s.endsWith(")")) s = s.substring(1, s.length() - 1).strip();
        if (s.isEmpty()) throw new LatexParseException("empty text");
        if (s.matches("-?\\d+")) return new Num(new BigDecimal(s), false);
        if (s.matches("-?\\d+\\.\\d+")) return new Num(new BigDecimal(s), true);
        return new Sym(s);
    }

    /** \begin{pmatrix} a & b \\ c & d \end{pmatrix} (also bmatrix, matrix, array, ...) */
    private MathNode parseEnvironment() {
        String env = rawGroup();
        if (!env.contains("matrix") && !env.equals("array")) throw new LatexParseException("environment " + env);
        if (env.equals("array") && peek().sym("{")) rawGroup();
        List<List<MathNode>> rows = new ArrayList<>();
        List<MathNode> row = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.cmd("end")) {
                next();
                rawGroup();
                break;
            }
            if (t.cmd("\\")) {
                next();
                if (!row.isEmpty()) rows.add(row);
                row = new ArrayList<>();
                continue;
            }
            if (t.kind == Kind.EOF) throw new LatexParseException("unclosed " + env);
            row.add(parseRelation());
            if (peek().sym("&")) next();
        }
        if (!row.isEmpty()) rows.add(row);
        if (rows.isEmpty()) throw new LatexParseException("empty matrix");
        int w = rows.get(0).size();
        for (List<MathNode> r : rows) if (r.size() != w) throw new LatexParseException("ragged matrix");
        return new Matrix(rows);
    }

    private String rawGroup() {
        expectSym("{");
        StringBuilder sb = new StringBuilder();
        while (true) {
            Token u = toks.get(pos);
            if (u.kind == Kind.EOF) throw new LatexParseException("unclosed group");
            pos++;
            if (u.sym("}")) break;
            sb.append(u.kind == Kind.CMD ? "\\" + u.text : u.text);
        }
        return sb.toString();
    }
}
