package dev.lowbit.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrintableTest {
    @Test
    void controlCharactersBecomeVisibleEscapes() {
        assertEquals("a\\x1b[2Jb\\x07\\x7f\\x9b31m\\x00", Printable.of("a\u001b[2Jb\u0007\u007f\u009b31m\u0000"));
        assertEquals("x\\ny\\tz\\r", Printable.of("x\ny\tz\r"));
        // bidi override, zero-width space, line separator, lone surrogate
        assertEquals("\\u202eevil\\u200b\\u2028\\ud800", Printable.of("\u202eevil\u200b\u2028\ud800"));
        // ordinary text, including non-ASCII and emoji, passes unchanged
        assertEquals("Qwen2.5 – 7B ünïcode 😀", Printable.of("Qwen2.5 – 7B ünïcode 😀"));
        assertEquals("null", Printable.of(null));
    }

    @Test
    void longValuesAreCutWithACount() {
        String s = "A".repeat(170_200);
        assertEquals("A".repeat(200) + "… (+170000 chars)", Printable.of(s));
        assertEquals("AAAA… (+6 chars)", Printable.of("A".repeat(10), 4));
        assertTrue(Printable.of("\u001b".repeat(10_000)).length() < 260);
    }

    @Test
    void runningTextKeepsNewlinesAndTabsOnly() {
        String plain = "line 1\n\tline 2 ü";
        assertSame(plain, Printable.text(plain));
        assertEquals("a\\x1b]0;title\\x07\nb\\r", Printable.text("a\u001b]0;title\u0007\nb\r"));
        assertEquals("x\\x9b2J", Printable.text("x\u009b2J"));
    }
}
