package dev.lowbit.eval.lcb;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lowbit.eval.Jsonl;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One code_generation_lite problem. funcName is metadata.func_name (null for stdin problems);
 * the grader treats a problem as call-based exactly when funcName is set, as LiveCodeBench does.
 *
 * <p>Private tests stay in their published encoding (JSON, or base64+zlib+pickled JSON) until
 * grading needs them: LiveCodeBench's private tests run to gigabytes over a release, so a
 * loaded subset must not hold them all decoded.
 */
public record LcbProblem(String questionId, String title, String content, String starterCode, String platform,
                         String difficulty, LocalDateTime contestDate, List<LcbTest> publicTests,
                         String privateTestsEncoded, String funcName) {
    public LcbProblem {
        publicTests = List.copyOf(publicTests);
        privateTestsEncoded = privateTestsEncoded == null ? "[]" : privateTestsEncoded;
    }

    /** a problem from decoded tests (tests and tools) */
    public static LcbProblem of(String questionId, String title, String content, String starterCode, String platform,
                                String difficulty, LocalDateTime contestDate, List<LcbTest> publicTests,
                                List<LcbTest> privateTests, String funcName) {
        List<Map<String, String>> rows = new ArrayList<>();
        for (LcbTest t : privateTests) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("input", t.input());
            m.put("output", t.output());
            m.put("testtype", t.type() == LcbTest.Type.STDIN ? "stdin" : "functional");
            rows.add(m);
        }
        try {
            return new LcbProblem(questionId, title, content, starterCode, platform, difficulty, contestDate, publicTests,
                    Jsonl.MAPPER.writeValueAsString(rows), funcName);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** the private tests, decoded on each call */
    public List<LcbTest> privateTests() {
        return LcbLoader.tests(LcbLoader.privateTests(privateTestsEncoded));
    }

    /** public tests first, then private: the order the reference runs them in */
    public List<LcbTest> allTests() {
        List<LcbTest> all = new ArrayList<>(publicTests);
        all.addAll(privateTests());
        return all;
    }
}
