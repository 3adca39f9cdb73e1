package dev.lowbit.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Word splits of the pre-tokenizers, including llama3's, which has no vocabulary file here. */
class PreTokenizerTest {

    @Test
    void llama3GroupsDigitsByThreeAndKeepsNewlineRuns() {
        PreTokenizer p = PreTokenizer.forName("llama-bpe");
        assertTrue(p.ignoresMerges());
        assertEquals(List.of("Hello", " ", "123", "45", " world", "'s", "\n\n", " ", " x"),
                p.split("Hello 12345 world's\n\n  x"));
        assertEquals(List.of("I", "'M", " fine", "!\n"), p.split("I'M fine!\n"));
    }

    @Test
    void qwen2SplitsSingleDigitsAndTreatsUnicodeSpaceAsSpace() {
        PreTokenizer p = PreTokenizer.forName("qwen2");
        assertFalse(p.ignoresMerges());
        assertEquals(List.of("x", "1", "2", "3"), p.split("x123"));
        assertEquals(List.of("a", "\u00A0", "\u00A0b"), p.split("a\u00A0\u00A0b"));
        assertEquals(List.of("Hello", " world", "\n"), p.split("Hello world\n"));
    }

    @Test
    void gpt2ContractionsAreLowerCaseOnly() {
        PreTokenizer p = PreTokenizer.forName("gpt-2");
        assertEquals(List.of("we", "'re", " WE", "'", "RE"), p.split("we're WE'RE"));
        assertEquals(List.of(" ", " 42", "\t", "x"), p.split("  42\tx"));
    }

    @Test
    void deepseekLlmAppliesItsExpressionsInTurn() {
        PreTokenizer p = PreTokenizer.forName("deepseek-llm");
        assertEquals(List.of("Hello", " world", "\n", "中文", "123", " "), p.split("Hello world\n中文123 "));
        // ideographic space maps to whitespace before matching, so it is not part of the CJK punctuation range
        assertEquals(List.of("。", "\u3000"), p.split("。\u3000"));
    }

    @Test
    void emptyAndUnknown() {
        assertEquals(List.of(), PreTokenizer.forName("qwen2").split(""));
        assertEquals(List.of("a"), PreTokenizer.forName(null).split("a"));
        assertThrows(IllegalArgumentException.class, () -> PreTokenizer.forName("tekken"));
    }
}
