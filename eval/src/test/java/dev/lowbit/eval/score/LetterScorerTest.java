package dev.lowbit.eval.score;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** GPQA-style letter extraction (NativeLetters, try_extract_without_anchor). */
class LetterScorerTest {
    @Test
    void anchoredAnswersWin() {
        assertEquals("C", LetterScorer.extract("Thinking... B looks tempting.\nAnswer: C", 4));
        assertEquals("B", LetterScorer.extract("The final answer is (B). I hope it is correct. A", 4));
        assertEquals("D", LetterScorer.extract("The answer is for sure D, it can't be A or B", 4));
    }

    @Test
    void unanchoredLettersRightmostFirst() {
        assertEquals("B", LetterScorer.extract("It's not A because it doesn't make sense, therefore I think it's B", 4));
        assertEquals("D", LetterScorer.extract("D. it can't be A or B", 4));
        assertNull(LetterScorer.extract("no capital option letters here", 4));
        // only the first nOptions letters count
        assertNull(LetterScorer.extract("E", 4));
        assertEquals("E", LetterScorer.extract("E", 5));
        // anchored-only mode ignores a bare letter in running text but still reads "Answer: X"
        assertNull(LetterScorer.extract("I think it's B", 4, false));
        assertEquals("C", LetterScorer.extract("I think it's B\nAnswer: C", 4, false));
    }

    @Test
    void scoresExactLetter() {
        assertTrue(LetterScorer.score("C", "so the answer is\n(C) Cecile", 4).correct());
        assertFalse(LetterScorer.score("A", "Answer: C", 4).correct());
        Verdict v = LetterScorer.score("B", "Answer: B", 4);
        assertEquals("B", v.predExtracted().get(0));
        assertThrows(IllegalArgumentException.class, () -> LetterScorer.extract("A", 0));
    }
}
