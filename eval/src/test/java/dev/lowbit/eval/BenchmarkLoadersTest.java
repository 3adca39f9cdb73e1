package dev.lowbit.eval;

import dev.lowbit.eval.catalogue.Benchmarks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lowbit.eval.lcb.LcbSubset;
import dev.lowbit.eval.lcb.SandboxLimits;
import dev.lowbit.util.SearchPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loaders on the shared data sets (skipped when LOWBIT_DATA_PATH is unset) and on small files. */
class BenchmarkLoadersTest {
    @TempDir Path dir;
    final StudyScoring scoring = new FakeScoring();

    static boolean haveData(String id) {
        try {
            Benchmarks.dataFile(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    Benchmark shared(String id) {
        assumeTrue(haveData(id), "no " + id + " under " + SearchPath.data());
        return Benchmarks.load(id, scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults());
    }

    @Test
    void benchmarkAndSeedListsParse() {
        assertEquals(List.of("gsm8k", "math500", "aime25", "gpqa"), Benchmarks.parseList("gsm8k, MATH-500,aime25,gpqa_diamond"));
        assertEquals(List.of("aime90", "aime25", "math500", "gsm8k", "gpqa", "lcb"), Benchmarks.parseList("study,gsm8k"));
        assertEquals(List.of("aime90", "aime25"), Benchmarks.parseList("aime120"));
        assertThrows(IllegalArgumentException.class, () -> Benchmarks.parseList("gsm9k"));
        assertEquals(List.of(42L, 43L, 44L), Benchmarks.parseSeeds("42,43, 44"));
        assertThrows(IllegalArgumentException.class, () -> Benchmarks.parseSeeds("42,x"));
    }

    @Test
    void gsm8kTestSetHas1319ProblemsWithTheNumberAfterHashes() {
        Benchmark b = shared("gsm8k");
        List<Problem> ps = b.problems(42);
        assertEquals(1319, ps.size());
        Problem first = ps.get(0);
        assertEquals("18", first.detail());
        assertTrue(first.gold().endsWith("#### 18"));
        assertTrue(b.prompt(first).startsWith("Janet"));
        assertTrue(b.prompt(first).endsWith("\n\nPlease reason step by step, and put your final answer within \\boxed{}."));
        assertEquals("1234", MathDatasets.gsm8kFinalAnswer("so <<1+1=2>>2\n#### 1,234"));
        assertThrows(IllegalArgumentException.class, () -> MathDatasets.gsm8kFinalAnswer("no final line"));
    }

    @Test
    void math500AimeAndAmcSizesAndGolds() {
        Benchmark m = shared("math500");
        List<Problem> ps = m.problems(42);
        assertEquals(500, ps.size());
        assertEquals("test/precalculus/807.json", ps.get(0).id());
        assertTrue(ps.get(0).gold().contains("\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}"), "gold is the full solution");
        assertEquals(30, shared("aime24").problems(42).size());
        assertEquals("204", shared("aime24").problems(42).get(0).gold());
        List<Problem> a25 = shared("aime25").problems(42);
        assertEquals(30, a25.size());
        assertEquals("70", a25.get(0).gold());
        List<Problem> amc = shared("amc23").problems(42);
        assertEquals(40, amc.size());
        assertEquals("27", amc.get(0).gold(), "AMC23 stores 27.0");
    }

    @Test
    void aime90LoaderReadsItsFormat() throws Exception {
        // AIME-90 rows as Dataset.to_json writes them (AIMO-validation layout: id int, problem,
        // solution, answer as text, url); a second row in another export's capitalisation
        Path f = dir.resolve("train.jsonl");
        Files.writeString(f, "{\"id\": 7, \"problem\": \"Find $x$ if $x+1=3$.\", \"solution\": \"$x=2$\", \"answer\": \"2\", \"url\": \"u\"}\n"
                + "{\"id\": \"2022-I-2\", \"Problem\": \"Compute $7 \\\\cdot 6$.\", \"Answer\": 42}\n\n");
        Benchmark b = Benchmarks.load("aime90", f, scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults());
        assertEquals("AIME-90", b.displayName());
        List<Problem> ps = b.problems(44);
        assertEquals(2, ps.size());
        assertEquals("7", ps.get(0).id());
        assertEquals("2022-I-2", ps.get(1).id());
        assertEquals("42", ps.get(1).gold());
        assertEquals("Find $x$ if $x+1=3$.\n\nPlease reason step by step, and put your final answer within \\boxed{}.", b.prompt(ps.get(0)));
        assertTrue(b.judge(ps.get(0), "so \\boxed{2}").correct());
        Files.writeString(f, "{\"id\": 1, \"problem\": \"no answer\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Benchmarks.load("aime90", f, scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults()));
        assertTrue(e.getMessage().contains("record 1"));
    }

    @Test
    void gpqaShufflesTheCorrectAnswerPerSeedLikeCpython() {
        Benchmark b = shared("gpqa");
        for (long seed : new long[] {42, 43, 44}) {
            List<Problem> ps = b.problems(seed);
            assertEquals(198, ps.size());
            PythonRandom r = new PythonRandom(seed);
            int distinct = 0;
            for (Problem p : ps) {
                GpqaBenchmark.Options o = (GpqaBenchmark.Options) p.detail();
                int expected = (int) r.randint(0, 3);
                assertEquals(expected, o.correctIndex());
                assertEquals(String.valueOf((char) ('A' + expected)), p.gold());
                assertEquals(4, o.options().size());
                distinct += new HashSet<>(o.options()).size() == 4 ? 1 : 0;
            }
            assertEquals(196, distinct, "two Diamond questions repeat an option text");
        }
        // seed 42 draws 0, 0, 2, 1 for the first four questions (CPython)
        assertEquals(List.of("A", "A", "C", "B"), b.problems(42).subList(0, 4).stream().map(Problem::gold).toList());
        // the correct text is the same question's correct answer under every seed
        Problem p42 = b.problems(42).get(2), p43 = b.problems(43).get(2);
        GpqaBenchmark.Options o42 = (GpqaBenchmark.Options) p42.detail(), o43 = (GpqaBenchmark.Options) p43.detail();
        assertEquals(o42.options().get(o42.correctIndex()), o43.options().get(o43.correctIndex()));
        assertNotEquals(p42.gold(), p43.gold());
    }

    @Test
    void gpqaCsvAndMinJsonlHoldTheSameQuestionsUpToWhitespace() {
        Path csv = Benchmarks.dataFile("gpqa");
        assumeTrue(csv.toString().endsWith(".csv"));
        Path jsonl = csv.resolveSibling("gpqa_diamond.min.jsonl");
        assumeTrue(Files.exists(jsonl));
        List<Problem> a = GpqaBenchmark.load(csv, scoring.multipleChoice(4)).problems(43);
        List<Problem> b = GpqaBenchmark.load(jsonl, scoring.multipleChoice(4)).problems(43);
        assertEquals(a.size(), b.size());
        int verbatim = 0;
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).id(), b.get(i).id());
            assertEquals(a.get(i).gold(), b.get(i).gold());
            assertEquals(a.get(i).question().strip(), b.get(i).question());
            List<String> oa = ((GpqaBenchmark.Options) a.get(i).detail()).options();
            List<String> ob = ((GpqaBenchmark.Options) b.get(i).detail()).options();
            assertEquals(oa.stream().map(String::strip).toList(), ob);
            if (a.get(i).question().equals(b.get(i).question())) verbatim++;
        }
        assertEquals(172, verbatim, "the CSV keeps whitespace the JSONL strips");
    }

    @Test
    void gpqaPromptIsTheSimpleEvalsTemplate() throws Exception {
        Path csv = dir.resolve("mini.csv");
        Files.writeString(csv, "Record ID,Question,Correct Answer,Incorrect Answer 1,Incorrect Answer 2,Incorrect Answer 3\n"
                + "r1,\"Which is even?\nPick one, \"\"carefully\"\". \",4,1,3,5\n");
        Problem c = GpqaBenchmark.load(csv, scoring.multipleChoice(4)).problems(43).get(0);
        assertEquals("Which is even?\nPick one, \"carefully\". ", c.question());
        assertEquals("r1", c.id());
        Path f = dir.resolve("mini.jsonl");
        Files.writeString(f, "{\"id\": \"r1\", \"question\": \"Which is even?\", \"correct_answer\": \"4\", \"incorrect_answers\": [\"1\", \"3\", \"5\"]}\n");
        Benchmark b = Benchmarks.load("gpqa", f, scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults());
        Problem p = b.problems(43).get(0); // CPython seed 43 draws 0 first
        assertEquals("A", p.gold());
        assertEquals("Answer the following multiple choice question. The last line of your response should be of the following "
                + "format: 'Answer: $LETTER' (without quotes) where LETTER is one of ABCD. Think step by step before answering.\n\n"
                + "Which is even?\n\nA) 4\nB) 1\nC) 3\nD) 5", b.prompt(p));
        Problem q = b.problems(44).get(0); // seed 44 draws 3
        assertEquals("D", q.gold());
        assertTrue(b.prompt(q).endsWith("A) 1\nB) 3\nC) 5\nD) 4"));
        assertTrue(b.judge(q, "...\nAnswer: D").correct());
    }
}
