package dev.lowbit.eval.score;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lowbit.util.SearchPath;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The study's scorers applied to the real gold texts: a prediction that boxes the reference
 * answer must be scored correct. Known exceptions are lighteval's own behaviour (a MATH-500
 * solution boxing two forms; GSM8K solutions whose "... the answer ... = N" text outranks the
 * "#### N" line in expression extraction).
 */
class StudyGoldSelfConsistencyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> rows(String relative) throws Exception {
        Path p = SearchPath.findData(relative).orElse(null);
        assumeTrue(p != null, relative + " not found on LOWBIT_DATA_PATH");
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(p)) if (!line.isBlank()) out.add(JSON.readTree(line));
        return out;
    }

    @Test
    void math500SolutionsAgreeWithTheirAnswers() throws Exception {
        MathScorer scorer = MathScorer.studyMath500();
        List<JsonNode> rows = rows("math500/test.jsonl");
        List<String> failed = new ArrayList<>();
        for (JsonNode r : rows) {
            String answer = r.get("answer").asText();
            Verdict v = scorer.score(r.get("solution").asText(), "So the final result is $\\boxed{" + answer + "}$.");
            if (!v.correct()) failed.add(answer + " gold=" + v.goldExtracted());
        }
        assertEquals(500, rows.size());
        // one solution boxes two forms ("15\frac{39}{40}, or \frac{639}{40}"), read as a two-element set
        assertTrue(failed.size() <= 1, "MATH-500 self-check failures: " + failed);
    }

    @Test
    void gsm8kAnswersAgreeWithTheirFinalNumber() throws Exception {
        MathScorer scorer = MathScorer.studyExprGold();
        List<JsonNode> rows = rows("gsm8k/test.jsonl");
        List<String> failed = new ArrayList<>();
        for (JsonNode r : rows) {
            String answer = r.get("answer").asText();
            String gold = MathScorer.goldFromGsm8k(answer);
            Verdict v = scorer.score(answer, "Thus the total is \\boxed{" + gold + "}.");
            if (!v.correct()) failed.add(gold + " extracted " + v.goldExtracted());
        }
        assertEquals(1319, rows.size());
        // 4 answers say "... the answer ... = N" before "#### M"; lighteval's priority-200 "answer" pattern picks N
        assertTrue(failed.size() <= 4, "GSM8K self-check failures: " + failed);
    }
}
