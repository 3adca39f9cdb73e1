package dev.lowbit.eval.lcb;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** the parent-side comparison agrees with Python's == on json.loads values */
class PyJsonEqualityTest {
    static boolean eq(String a, String b) {
        return LcbGrader.resultMatches(a, b);
    }

    @Test
    void numbersCompareByValueAcrossIntFloatAndBool() {
        assertTrue(eq("1", "1.0"));
        assertTrue(eq("true", "1"));
        assertTrue(eq("[false]", "[0.0]"));
        assertTrue(eq("1e+16", "10000000000000000"));
        assertFalse(eq("9007199254740993", "9007199254740992.0")); // 2**53 + 1 != float(2**53)
        assertTrue(eq("0.1", "0.1"));
        assertFalse(eq("0.1", "0.10000000000000002"));
        assertFalse(eq("NaN", "NaN"));
        assertTrue(eq("Infinity", "Infinity"));
        assertFalse(eq("Infinity", "1"));
        assertTrue(eq("123456789012345678901234567890", "123456789012345678901234567890"));
    }

    @Test
    void containersAndStrings() {
        assertTrue(eq("{\"a\": [1, 2], \"b\": null}", "{\"b\": null, \"a\": [1.0, 2]}"));
        assertFalse(eq("{\"a\": 1}", "{\"a\": 1, \"b\": 2}"));
        assertFalse(eq("[1, 2]", "[2, 1]"));
        assertFalse(eq("\"1\"", "1"));
        assertFalse(eq("null", "0"));
        assertFalse(eq("[]", "{}"));
        assertTrue(eq("\"\\u00e9\\ud83d\\ude00\"", "\"é😀\""));
        assertFalse(eq("not json", "1"));
        assertFalse(eq("1", "[1"));
    }
}
