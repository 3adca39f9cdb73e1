package dev.lowbit.eval.lcb;

import java.nio.charset.StandardCharsets;

/**
 * Reads the one pickle shape LiveCodeBench uses for private tests: a pickled Python str
 * (protocols 2-5). Only string, framing and memo opcodes are understood; anything else is
 * rejected, so no pickle can make this reader execute or construct anything.
 */
final class PickledString {
    private PickledString() {}

    static boolean looksLikePickle(byte[] b) {
        return b.length > 2 && (b[0] & 0xff) == 0x80;
    }

    static String decode(byte[] b) {
        int i = 0;
        String value = null;
        while (i < b.length) {
            int op = b[i++] & 0xff;
            switch (op) {
                case 0x80 -> i += 1;                  // PROTO n
                case 0x95 -> i += 8;                  // FRAME len
                case 0x94 -> { }                      // MEMOIZE
                case 'q' -> i += 1;                   // BINPUT
                case 'r' -> i += 4;                   // LONG_BINPUT
                case 0x8c -> {                        // SHORT_BINUNICODE
                    int n = b[i] & 0xff;
                    value = utf8(b, i + 1, n);
                    i += 1 + n;
                }
                case 'X' -> {                         // BINUNICODE
                    long n = le(b, i, 4);
                    value = utf8(b, i + 4, n);
                    i += 4 + (int) n;
                }
                case 0x8d -> {                        // BINUNICODE8
                    long n = le(b, i, 8);
                    value = utf8(b, i + 8, n);
                    i += 8 + (int) n;
                }
                case '.' -> {                         // STOP
                    if (value == null) throw new IllegalArgumentException("pickle holds no string");
                    return value;
                }
                default -> throw new IllegalArgumentException(String.format(
                        "unsupported pickle opcode 0x%02x at %d (only a pickled str is accepted)", op, i - 1));
            }
            if (i > b.length) break;
        }
        throw new IllegalArgumentException("truncated pickle");
    }

    private static long le(byte[] b, int at, int width) {
        if (at + width > b.length) throw new IllegalArgumentException("truncated pickle");
        long v = 0;
        for (int k = width - 1; k >= 0; k--) v = (v << 8) | (b[at + k] & 0xff);
        return v;
    }

    private static String utf8(byte[] b, int at, long n) {
        if (n < 0 || at + n > b.length) throw new IllegalArgumentException("truncated pickle string");
        return new String(b, at, (int) n, StandardCharsets.UTF_8);
    }
}
