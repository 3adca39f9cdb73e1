package dev.lowbit.tokenizer;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp's tokenizer test vectors (test-tokenizer-0: no BOS, special tokens not parsed): every input must
 * give exactly the expected ids, and decoding them must give the input back.
 */
class TokenizerVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "qwen2", "deepseek-r1-qwen", "deepseek-llm"})
    void encodesAllVectorsExactly(String name) throws IOException {
        Assumptions.assumeTrue(VocabFiles.find(name).isPresent(), "vocab/" + name + " not on the model path");
        Tokenizer tok = VocabFiles.tokenizer(name);
        List<VocabFiles.Case> cases = VocabFiles.cases(name);
        List<String> failures = new ArrayList<>();
        for (VocabFiles.Case c : cases) {
            int[] got = tok.encode(c.input(), false, false);
            if (!Arrays.equals(got, c.expected())) {
                failures.add(show(c.input()) + "\n   expected " + Arrays.toString(c.expected()) + "\n   got      " + Arrays.toString(got));
            }
        }
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + "/" + cases.size() + " vectors differ:\n" + String.join("\n", failures));
        assertEquals(46, cases.size(), "vector count");
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-spm", "gpt-2", "qwen2", "deepseek-r1-qwen", "deepseek-llm"})
    void decodeInvertsEncode(String name) throws IOException {
        Assumptions.assumeTrue(VocabFiles.find(name).isPresent(), "vocab/" + name + " not on the model path");
        Tokenizer tok = VocabFiles.tokenizer(name);
        for (VocabFiles.Case c : VocabFiles.cases(name)) {
            assertEquals(c.input(), tok.decode(c.expected()), "decode of the expected ids of " + show(c.input()));
            assertEquals(c.input(), tok.decode(tok.encode(c.input(), true, false)), "round trip with BOS of " + show(c.input()));
        }
    }

    static String show(String s) {
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "'";
    }
}
