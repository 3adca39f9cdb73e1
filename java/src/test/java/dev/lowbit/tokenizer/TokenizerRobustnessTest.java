package dev.lowbit.tokenizer;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random and adversarial inputs: lossless round trips, and no quadratic blow-ups. */
class TokenizerRobustnessTest {
    // a mix of scripts, whitespace kinds, digits, punctuation, combining marks and astral characters
    private static final int[] ALPHABET = {
            'a', 'Z', 'é', 'ß', ' ', ' ', '\n', '\t', '\r', '\u00A0', '\u3000', '\u2009', '0', '7', '٣', '½', '\'', '.',
            ',', '!', '?', '-', '"', '(', ')', '中', '文', '한', 'ø', 'Ω', 'K', 'ᾶ', '\u0301', '¿', '€', '…', '—',
            0x1F999, 0x1F600, 0x10400, 0x2F800, '<', '>', '|', '_', 's', 't', 'l', 'v', 'e', 'r', 'm', 'd'};

    private static String randomText(Random r, int len) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) sb.appendCodePoint(ALPHABET[r.nextInt(ALPHABET.length)]);
        return sb.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "qwen2", "deepseek-llm"})
    void randomTextRoundTrips(String name) {
        Assumptions.assumeTrue(VocabFiles.find(name).isPresent());
        Tokenizer t = VocabFiles.tokenizer(name);
        Random r = new Random(42);
        for (int i = 0; i < 300; i++) {
            String s = randomText(r, 1 + r.nextInt(40));
            int[] ids = t.encode(s, false, false);
            assertEquals(s, t.decode(ids), "round trip of " + TokenizerVectorsTest.show(s));
            for (int id : ids) assertTrue(id >= 0 && id < t.vocabSize());
            StreamDecoder sd = t.streamDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) sb.append(sd.push(id));
            sb.append(sd.flush());
            String streamed = sb.toString();
            assertEquals(s, name.equals("llama-spm") ? streamed.substring(1) : streamed);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "qwen2", "deepseek-llm"})
    void longUniformRunsStayFast(String name) {
        Assumptions.assumeTrue(VocabFiles.find(name).isPresent());
        Tokenizer t = VocabFiles.tokenizer(name);
        for (String unit : new String[] {" ", "a", "7", "\n", " \n", "\uD83E\uDD99", "中", ".,"}) {
            String s = unit.repeat(10_000 / unit.length());
            t.encode(s, false, false); // warm up
            long t0 = System.nanoTime();
            int[] ids = t.encode(s, false, false);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 500, name + ": " + ms + " ms for 10k of " + TokenizerVectorsTest.show(unit));
            assertEquals(s, t.decode(ids));
        }
    }
}
