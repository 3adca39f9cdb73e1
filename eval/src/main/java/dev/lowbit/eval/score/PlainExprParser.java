package dev.lowbit.eval.score;

import dev.lowbit.eval.score.MathNode.*;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the plain expressions that expression extraction finds ("2/3", "(1/2) * (1/2)",
 * "5+5+1") with Python's arithmetic syntax, as lighteval hands them to sympy's parse_expr:
 * numbers, + - * / ** (^ is read as **) and parentheses. Juxtaposition, ×, ÷ and anything
 * else fail, as they do there.
 */
final class PlainExprParser {
    private final String s;
    private int i;

    private PlainExprParser(String s) { this.s = s; }

    static MathNode parse(String expr) {
        PlainExprParser p = new PlainExprParser(expr.replace('\n', ' ').replace("^", "**"));
        MathNode n = p.additive();
        p.ws();
        if (p.i != p.s.length()) throw new LatexParseException("trailing input in expression");
        return n;
    }

    private void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }

    private boolean eat(String tok) {
        ws();
        if (s.startsWith(tok, i)) { i += tok.length(); return true; }
        return false;
    }

    private MathNode additive() {
        List<MathNode> terms = new ArrayList<>();
        terms.add(multiplicative());
        while (true) {
            if (eat("+")) terms.add(multiplicative());
            else if (eat("-")) terms.add(new Neg(multiplicative()));
            else break;
        }
        return terms.size() == 1 ? terms.get(0) : new Add(terms);
    }

    private MathNode multiplicative() {
        MathNode acc = unary();
        while (true) {
            ws();
            if (s.startsWith("**", i)) break;
            if (eat("*")) {
                MathNode b = unary();
                List<MathNode> f = new ArrayList<>();
                if (acc instanceof Mul m) f.addAll(m.factors()); else f.add(acc);
                f.add(b);
                acc = new Mul(f);
            } else if (eat("/")) {
                acc = new Div(acc, unary());
            } else break;
        }
        return acc;
    }

    private MathNode unary() {
        if (eat("-")) {
            MathNode x = unary();
            return x instanceof Num n ? new Num(n.value().negate(), n.isFloat()) : new Neg(x);
        }
        if (eat("+")) return unary();
        return power();
    }

    private MathNode power() {
        MathNode base = atom();
        if (eat("**")) return new Pow(base, unary());
        return base;
    }

    private MathNode atom() {
        ws();
        if (eat("(")) {
            MathNode inner = additive();
            if (!eat(")")) throw new LatexParseException("unclosed parenthesis");
            return inner;
        }
        int start = i;
        while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
        boolean isFloat = false;
        if (i < s.length() && s.charAt(i) == '.') {
            isFloat = true;
            i++;
            while (i < s.length() && Character.isDigit(s.charAt(i))) i++;
        }
        String num = s.substring(start, i);
        if (num.isEmpty() || num.equals(".")) throw new LatexParseException("expected number at " + start);
        if (!isFloat && num.length() > 1 && num.startsWith("0") && !num.matches("0+"))
            throw new LatexParseException("leading zeros");
        if (num.endsWith(".")) num = num + "0";
        if (num.startsWith(".")) num = "0" + num;
        return new Num(new BigDecimal(num), isFloat);
    }
}
