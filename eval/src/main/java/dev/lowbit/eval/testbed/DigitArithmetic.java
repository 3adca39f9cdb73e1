package dev.lowbit.eval.testbed;

/**
 * Column arithmetic written out one digit position per line, the way the testbed's chains of
 * thought spell every sum, difference and product (the digit a line writes is the last digit of
 * its value; "carry" and "borrow" pass to the next line). Each line depends only on two digits and the
 * carry or borrow of the line above, so a small model can learn every step; a long problem is
 * long because it has many such lines, not because any one step is hard.
 */
final class DigitArithmetic {
    private static final String[] POSITIONS = {"ones", "tens", "hundreds", "thousands", "ten-thousands"};

    private DigitArithmetic() {}

    /** a+b: one line per position, then "So a+b=s." */
    static String add(long a, long b, StringBuilder out) {
        out.append(a).append('+').append(b).append(":\n");
        carryColumns(a, b, '+', Math.max(digits(a), digits(b)), out);
        long sum = a + b;
        out.append("So ").append(a).append('+').append(b).append('=').append(sum).append(".\n");
        return Long.toString(sum);
    }

    /** a-b for a >= b: one line per position of a, borrowing from the next, then "So a-b=d." */
    static String subtract(long a, long b, StringBuilder out) {
        if (b > a) throw new IllegalArgumentException(a + "-" + b + " is negative");
        out.append(a).append('-').append(b).append(":\n");
        int n = digits(a);
        int borrow = 0;
        for (int i = 0; i < n; i++) {
            int x = digit(a, i), y = digit(b, i), d = x - y - borrow;
            out.append(POSITIONS[i]).append(' ');
            String column = x + "-" + y + (borrow > 0 ? "-1" : "");
            if (d >= 0) {
                out.append(column).append('=').append(d).append(".\n");
                borrow = 0;
            } else {
                out.append(column).append(" borrow, 1").append(column).append('=').append(d + 10).append(".\n");
                borrow = 1;
            }
        }
        long diff = a - b;
        out.append("So ").append(a).append('-').append(b).append('=').append(diff).append(".\n");
        return Long.toString(diff);
    }

    /** a*k for a one-digit k: one line per position of a, then "So a*k=p." */
    static String multiply(long a, int k, StringBuilder out) {
        if (k < 0 || k > 9) throw new IllegalArgumentException("multiplier " + k + " is not one digit");
        out.append(a).append('*').append(k).append(":\n");
        carryColumns(a, k, '*', digits(a), out);
        long prod = a * k;
        out.append("So ").append(a).append('*').append(k).append('=').append(prod).append(".\n");
        return Long.toString(prod);
    }

    /**
     * n column lines of a+b (digit by digit) or a*b (b one digit): "x op y[+carry]=v[, carry c].",
     * then a line for a carry left over
     */
    private static void carryColumns(long a, long b, char op, int n, StringBuilder out) {
        int carry = 0;
        for (int i = 0; i < n; i++) {
            int x = digit(a, i), y = op == '+' ? digit(b, i) : (int) b;
            int v = (op == '+' ? x + y : x * y) + carry;
            out.append(POSITIONS[i]).append(' ').append(x).append(op).append(y);
            if (carry > 0) out.append('+').append(carry);
            out.append('=').append(v);
            carry = v / 10;
            if (carry > 0) out.append(", carry ").append(carry);
            out.append(".\n");
        }
        if (carry > 0) out.append(POSITIONS[n]).append(" carry ").append(carry).append(".\n");
    }

    static int digits(long v) {
        return Long.toString(v).length();
    }

    private static int digit(long v, int i) {
        for (int k = 0; k < i; k++) v /= 10;
        return (int) (v % 10);
    }

    /** the largest value whose columns have names (the generator keeps totals below it) */
    static long limit() {
        return (long) Math.pow(10, POSITIONS.length - 1) - 1;
    }
}
