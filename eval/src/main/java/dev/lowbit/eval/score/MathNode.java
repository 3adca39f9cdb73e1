package dev.lowbit.eval.score;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The parsed form of an extracted answer. Nodes are never evaluated here: the comparison needs
 * to know how an answer was written (a float literal, an assignment `x = 3`, a tuple) before
 * the computer-algebra system ({@link Cas}) evaluates it.
 */
public sealed interface MathNode {

    /** Symja input form of this node (symbols are encoded so Symja's relaxed, case-folding parser keeps them apart). */
    String symja();

    /** a number literal; isFloat when it was written with a decimal point */
    record Num(BigDecimal value, boolean isFloat) implements MathNode {
        public String symja() {
            return isFloat ? value.toPlainString() : value.toBigInteger().toString();
        }
        public String toString() { return isFloat ? value.toPlainString() : value.toBigInteger().toString(); }
    }

    /** a free symbol: a letter, a subscripted letter, or the content of \text{...} */
    record Sym(String name) implements MathNode {
        public String symja() { return encodeSymbol(name); }
        public String toString() { return name; }
    }

    /** a named constant: Pi, Infinity, E */
    record Const(String symjaName) implements MathNode {
        public String symja() { return symjaName; }
        public String toString() { return symjaName; }
    }

    record Add(List<MathNode> terms) implements MathNode {
        public String symja() { return "(" + terms.stream().map(MathNode::symja).collect(Collectors.joining(")+(", "(", ")")) + ")"; }
        public String toString() { return terms.stream().map(Object::toString).collect(Collectors.joining(" + ", "(", ")")); }
    }

    record Mul(List<MathNode> factors) implements MathNode {
        public String symja() { return "(" + factors.stream().map(MathNode::symja).collect(Collectors.joining(")*(", "(", ")")) + ")"; }
        public String toString() { return factors.stream().map(Object::toString).collect(Collectors.joining("*", "(", ")")); }
    }

    record Div(MathNode num, MathNode den) implements MathNode {
        public String symja() { return "((" + num.symja() + ")/(" + den.symja() + "))"; }
        public String toString() { return "(" + num + ")/(" + den + ")"; }
    }

    record Neg(MathNode x) implements MathNode {
        public String symja() { return "(-(" + x.symja() + "))"; }
        public String toString() { return "-" + x; }
    }

    record Pow(MathNode base, MathNode exp) implements MathNode {
        public String symja() { return "((" + base.symja() + ")^(" + exp.symja() + "))"; }
        public String toString() { return "(" + base + ")^(" + exp + ")"; }
    }

    /** a percentage: x * 1/100, kept distinct so a float percentage still counts as a float */
    record Pct(MathNode x) implements MathNode {
        public String symja() { return "((" + x.symja() + ")/100)"; }
        public String toString() { return x + "%"; }
    }

    /** a function application: known functions map to Symja's names, others stay undefined functions */
    record Fn(String name, List<MathNode> args) implements MathNode {
        public String symja() {
            String head = KNOWN_FUNCTIONS.contains(name) ? name : "f" + encodeSymbol(name);
            return head + args.stream().map(MathNode::symja).collect(Collectors.joining(",", "(", ")"));
        }
        public String toString() { return name + args.stream().map(Object::toString).collect(Collectors.joining(",", "(", ")")); }
    }

    /** a relation lhs op rhs; op is one of = != < <= > >= */
    record Rel(String op, MathNode lhs, MathNode rhs) implements MathNode {
        public String symja() {
            String o = switch (op) { case "=" -> "=="; case "!=" -> "!="; default -> op; };
            return "(" + lhs.symja() + ")" + o + "(" + rhs.symja() + ")";
        }
        public String toString() { return lhs + " " + op + " " + rhs; }
    }

    /** a chain of relations (a < b < c) or several relations written together */
    record And(List<Rel> rels) implements MathNode {
        public String symja() { return rels.stream().map(MathNode::symja).collect(Collectors.joining("&&")); }
        public String toString() { return rels.stream().map(Object::toString).collect(Collectors.joining(" & ")); }
    }

    /** an interval; fromParens marks `(a,b)`, which may also be read as a pair */
    record Interval(MathNode lo, MathNode hi, boolean loOpen, boolean hiOpen, boolean fromParens) implements MathNode {
        public String symja() { return "Interval({" + lo.symja() + "," + hi.symja() + "})"; }
        public String toString() { return (loOpen ? "(" : "[") + lo + ", " + hi + (hiOpen ? ")" : "]"); }
    }

    /** a finite set (unordered, duplicates removed by the parser) or a tuple (ordered) */
    record SetOf(List<MathNode> items, boolean tuple) implements MathNode {
        public String symja() { return items.stream().map(MathNode::symja).collect(Collectors.joining(",", "{", "}")); }
        public String toString() {
            return items.stream().map(Object::toString).collect(Collectors.joining(", ", tuple ? "(" : "{", tuple ? ")" : "}"));
        }
    }

    /** a real number the CAS computed (a root met while solving an inequality), in Symja input form */
    record Value(String expr) implements MathNode {
        public String symja() { return "(" + expr + ")"; }
        public String toString() { return expr; }
    }

    record Union(List<MathNode> parts) implements MathNode {
        public String symja() { throw new UnsupportedOperationException("union"); }
        public String toString() { return parts.stream().map(Object::toString).collect(Collectors.joining(" U ")); }
    }

    record Matrix(List<List<MathNode>> rows) implements MathNode {
        public String symja() {
            List<String> rs = new ArrayList<>();
            for (List<MathNode> r : rows) rs.add(r.stream().map(MathNode::symja).collect(Collectors.joining(",", "{", "}")));
            return "{" + String.join(",", rs) + "}";
        }
        public String toString() {
            return rows.stream().map(r -> r.stream().map(Object::toString).collect(Collectors.joining(", ", "[", "]")))
                    .collect(Collectors.joining(", ", "Matrix([", "])"));
        }
    }

    java.util.Set<String> KNOWN_FUNCTIONS = java.util.Set.of("Sin", "Cos", "Tan", "Sec", "Csc", "Cot", "ArcSin", "ArcCos",
            "ArcTan", "ArcSec", "ArcCsc", "ArcCot", "Sinh", "Cosh", "Tanh", "Log", "Exp", "Sqrt", "Abs", "Factorial",
            "Floor", "Ceiling", "Binomial", "Max", "Min", "GCD", "LCM", "Mod");

    /**
     * Symja's default parser folds identifier case and reserves many names (E, I, Pi, N, D...),
     * so every user symbol becomes `v` + an unambiguous lower-case spelling: lower-case letters
     * stay, an upper-case letter X becomes `8x`, a digit d becomes `9d`, anything else `7<hex>7`.
     */
    static String encodeSymbol(String name) {
        StringBuilder sb = new StringBuilder("v");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= 'a' && c <= 'z') sb.append(c);
            else if (c >= 'A' && c <= 'Z') sb.append('8').append(Character.toLowerCase(c));
            else if (c >= '0' && c <= '9') sb.append('9').append(c);
            else sb.append('7').append(Integer.toHexString(c)).append('7');
        }
        return sb.toString();
    }
}
