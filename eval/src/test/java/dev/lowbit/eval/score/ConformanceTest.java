package dev.lowbit.eval.score;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The reference scorer's 156 regression cases: at least 95% must agree; every disagreement is written out. */
class ConformanceTest {
    @Test
    void sharedCasesAgreeWithReferenceScorer() throws Exception {
        var cases = Conformance.findSharedCases();
        assumeTrue(cases.isPresent(), "shared/scoring/cases.jsonl not found next to LOWBIT_DATA_PATH");
        Conformance.Result r = Conformance.run(cases.get());

        Path out = Path.of("target", "scoring-disagreements.jsonl");
        Files.createDirectories(out.getParent());
        ObjectMapper json = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (Conformance.Disagreement d : r.disagreements()) {
                w.write(json.writeValueAsString(d));
                w.newLine();
            }
        }
        System.out.printf("scoring conformance: %d/%d (%.1f%%), disagreements in %s%n", r.agree(), r.total(), r.percent(), out.toAbsolutePath());
        assertEquals(156, r.total(), "case count");
        assertTrue(r.percent() >= 95.0, "agreement " + r.agree() + "/" + r.total() + " below 95%: " + r.disagreements());
    }
}
