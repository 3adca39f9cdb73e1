package dev.lowbit.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.eval.EvalRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Aggregation against values computed by hand (and checked with numpy, std ddof=1). */
class StudyTableTest {
    @TempDir Path dir;

    /** n records of a benchmark/seed, the first `correct` of them right, each 100·k tokens, k steps */
    static void add(List<EvalRecord> out, String bench, long seed, int n, int correct) {
        for (int i = 0; i < n; i++) {
            String text = "a\n\n".repeat(i) + "end";
            out.add(new EvalRecord(bench, "p" + i, seed, 0, "prompt", text, "", "", i < correct, "", 10,
                    100 * (i + 1), EvalRecord.countSteps(text), 2.0, null));
        }
    }

    static RunSummary quantized() {
        List<EvalRecord> rs = new ArrayList<>();
        // AIME-90: 4 problems, 2/3/1 right -> 50, 75, 25; AIME-2025: 2 problems, 2/1/0 -> 100, 50, 0
        add(rs, "aime90", 42, 4, 2); add(rs, "aime90", 43, 4, 3); add(rs, "aime90", 44, 4, 1);
        add(rs, "aime25", 42, 2, 2); add(rs, "aime25", 43, 2, 1); add(rs, "aime25", 44, 2, 0);
        // GSM8K: 2 problems, 2/1/1 -> 100, 50, 50
        add(rs, "gsm8k", 42, 2, 2); add(rs, "gsm8k", 43, 2, 1); add(rs, "gsm8k", 44, 2, 1);
        return RunSummary.of("w4a16-g128", rs);
    }

    static RunSummary baseline() {
        List<EvalRecord> rs = new ArrayList<>();
        for (long s = 42; s <= 44; s++) {
            add(rs, "aime90", s, 4, 4);
            add(rs, "aime25", s, 2, 2);
            add(rs, "gsm8k", s, 2, 2);
        }
        return RunSummary.of("w16", rs);
    }

    @Test
    void perSeedAccuracyAndAime120Weighting() {
        RunSummary q = quantized();
        assertEquals(Map.of(42L, 50.0, 43L, 75.0, 44L, 25.0), q.accuracy().get("aime90"));
        assertEquals(Map.of(42L, 62.5, 43L, 68.75, 44L, 18.75), q.aime120());
        assertEquals(List.of("aime120", "gsm8k"), StudyTable.columns(q));
        StudyTable.Cell a120 = StudyTable.cell(q.aime120());
        assertEquals(50.0, a120.mean(), 1e-12);
        assertEquals(27.24311839712921, a120.std(), 1e-12);
        StudyTable.Cell g = StudyTable.cell(q.perSeed("gsm8k"));
        assertEquals(66.66666666666667, g.mean(), 1e-12);
        assertEquals(28.867513459481287, g.std(), 1e-12);
        assertEquals("66.7±28.9", g.format());
    }

    @Test
    void avgAndDropAgainstTheBaseline() {
        RunSummary q = quantized(), b = baseline();
        List<String> cols = StudyTable.columns(q);
        assertEquals(Map.of(42L, 81.25, 43L, 59.375, 44L, 34.375), StudyTable.avgPerSeed(q, cols));
        StudyTable.Cell avg = StudyTable.cell(StudyTable.avgPerSeed(q, cols));
        assertEquals(58.333333333333336, avg.mean(), 1e-12);
        assertEquals(23.454854685828543, avg.std(), 1e-12);
        assertEquals(-41.666666666666664, StudyTable.drop(q, b, cols), 1e-12);

        String md = StudyTable.markdown(List.of(new StudyTable.Row("BF16", "16-16-16", b),
                new StudyTable.Row("RTN W4G128", "4-16-16", q)), 0);
        assertEquals("| Method | W-A-KV | AIME-120 | GSM8K | Avg. | Drop | Label |\n"
                + "|---|---|---:|---:|---:|---:|---|\n"
                + "| BF16 | 16-16-16 | 100.0±0.0 | 100.0±0.0 | 100.0±0.0 | - | - |\n"
                + "| RTN W4G128 | 4-16-16 | 50.0±27.2 | 66.7±28.9 | 58.3±23.5 | -41.7 | risky |\n", md);

        String csv = StudyTable.csv(List.of(new StudyTable.Row("BF16", "16-16-16", b), new StudyTable.Row("RTN, g128", "4-16-16", q)), 0);
        String[] lines = csv.split("\n");
        assertEquals("method,w_a_kv,aime120_mean,aime120_std,gsm8k_mean,gsm8k_std,avg_mean,avg_std,drop,label,seeds", lines[0]);
        assertTrue(lines[2].startsWith("\"RTN, g128\",4-16-16,50.0,27.24311839712921,66.66666666666667,"), lines[2]);
        assertTrue(lines[2].endsWith(",-41.666666666666664,risky,3"), lines[2]);
    }

    @Test
    void labelsReadDropsAsTheStudyDoes() {
        // lossless: at most 1 point lost (gains too); fair: more than 1, less than 3; risky: 3 or more
        assertEquals("lossless", StudyTable.label(0.4));
        assertEquals("lossless", StudyTable.label(-1.0));
        assertEquals("fair", StudyTable.label(-1.01));
        assertEquals("fair", StudyTable.label(-2.99));
        assertEquals("risky", StudyTable.label(-3.0));
        assertEquals("-", StudyTable.label(Double.NaN));
    }

    @Test
    void singleSeedHasNoStdAndMissingColumnsShowDash() {
        List<EvalRecord> rs = new ArrayList<>();
        add(rs, "math500", 42, 4, 3);
        RunSummary one = RunSummary.of("one", rs);
        assertEquals("75.0", StudyTable.cell(one.perSeed("math500")).format());
        String md = StudyTable.markdown(List.of(new StudyTable.Row("a", "x", one), new StudyTable.Row("b", "y", quantized())), -1);
        assertTrue(md.startsWith("| Method | W-A-KV | AIME-120 | MATH-500 | GSM8K | Avg. | Drop | Label |"), md);
        assertTrue(md.contains("| a | x | - | 75.0 | - | - | - | - |"), md);
    }

    @Test
    void lengthsStepsSpeedAndJsonRoundTrip() {
        RunSummary q = quantized();
        // gsm8k: 6 records with 100, 200 tokens each seed -> mean 150; steps 1 and 2 -> 1.5
        assertEquals(150.0, q.meanOutputTokens().get("gsm8k"), 1e-12);
        assertEquals(1.5, q.meanSteps().get("gsm8k"), 1e-12);
        // aime90: tokens 100..400 -> 250; 24 records in all, 2 s each: 4800 tokens / 48 s
        assertEquals(250.0, q.meanOutputTokens().get("aime90"), 1e-12);
        long tokens = 3 * (1000 + 300 + 300);
        assertEquals(tokens, q.outputTokens());
        assertEquals(tokens / 48.0, q.tokensPerSecond(), 1e-12);
        assertEquals(4, EvalRecord.countSteps("a\n\nb\n\n\n\nc"));
        assertEquals(1, EvalRecord.countSteps(""));

        RunReport.write(dir, q, baseline());
        RunSummary back = RunReport.read(dir.resolve("summary.json"));
        assertEquals(q, back);
        String len = StudyTable.lengthMarkdown(List.of(new StudyTable.Row("q", "", q)));
        assertTrue(len.contains("| q | 250 (2.5) | 150 (1.5) | 150 (1.5) | 200 | 100.0 |"), len);
    }
}
