package dev.lowbit.eval.lcb;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code ==} between two values decoded by Python's {@code json.loads}, computed in
 * Java so that the grader compares a solution's result with the expected value in the parent,
 * where the sandboxed child cannot reach it (no expected data in the child, no {@code __eq__}
 * the child could override).
 *
 * <p>Mirrors the cases JSON can hold: ints are exact (BigInteger), a number with a fraction or
 * exponent is a float (double, which Python's float parsing also yields); int, float and bool
 * compare by value ({@code 1 == 1.0 == True}); NaN equals nothing; lists elementwise; objects by
 * key set and values; strings exactly.
 */
final class PyJsonEquality {
    private PyJsonEquality() {}

    static boolean equal(JsonNode a, JsonNode b) {
        if (isNumeric(a) && isNumeric(b)) return numbersEqual(a, b);
        if (a.isTextual() && b.isTextual()) return a.textValue().equals(b.textValue());
        if (a.isNull() && b.isNull()) return true;
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) return false;
            for (int i = 0; i < a.size(); i++) if (!equal(a.get(i), b.get(i))) return false;
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) return false;
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode other = b.get(e.getKey());
                if (other == null || !equal(e.getValue(), other)) return false;
            }
            return true;
        }
        return false;
    }

    /** bools are ints in Python */
    private static boolean isNumeric(JsonNode n) {
        return n.isNumber() || n.isBoolean();
    }

    private static boolean numbersEqual(JsonNode a, JsonNode b) {
        if (isFloat(a) || isFloat(b)) {
            double x = isFloat(a) ? a.doubleValue() : Double.NaN, y = isFloat(b) ? b.doubleValue() : Double.NaN;
            if (isFloat(a) && isFloat(b)) return x == y;
            // int versus float: Python compares exact values (2**53 + 1 != 2.0**53)
            double f = isFloat(a) ? x : y;
            BigInteger i = integer(isFloat(a) ? b : a);
            if (Double.isNaN(f) || Double.isInfinite(f)) return false;
            return new BigDecimal(f).compareTo(new BigDecimal(i)) == 0;
        }
        return integer(a).equals(integer(b));
    }

    private static boolean isFloat(JsonNode n) {
        return n.isFloatingPointNumber();
    }

    private static BigInteger integer(JsonNode n) {
        if (n.isBoolean()) return n.booleanValue() ? BigInteger.ONE : BigInteger.ZERO;
        return n.bigIntegerValue();
    }
}
