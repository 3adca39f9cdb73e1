package dev.lowbit.eval;

import dev.lowbit.eval.catalogue.Benchmarks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.eval.lcb.LcbSubset;
import dev.lowbit.eval.lcb.SandboxLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks judged with the real scorers, on small files shaped like the shared data. */
class StudyScorersTest {
    @TempDir Path dir;
    final StudyScoring scoring = new StudyScorers();

    Benchmark load(String id, String file, String jsonl) throws Exception {
        Path f = dir.resolve(file);
        Files.writeString(f, jsonl);
        return Benchmarks.load(id, f, scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults());
    }

    @Test
    void gsm8kGoldIsTheNumberAfterHashes() throws Exception {
        Benchmark b = load("gsm8k", "gsm.jsonl",
                "{\"question\": \"Q\", \"answer\": \"She has 2 * 3 = <<2*3=6>>6 and 1,200 more.\\n#### 1,206\"}\n");
        Problem p = b.problems(42).get(0);
        Judgement right = b.judge(p, "So the total is \\boxed{1206}.");
        assertTrue(right.correct());
        assertEquals("1206", right.goldShown().replace(",", ""));
        assertFalse(b.judge(p, "So the total is \\boxed{6}.").correct());
    }

    @Test
    void math500GoldIsTheBoxedAnswerOfTheSolution() throws Exception {
        Benchmark b = load("math500", "m.jsonl",
                "{\"problem\": \"Half of one?\", \"solution\": \"It is $\\\\boxed{\\\\frac{1}{2}}$.\", \"answer\": \"\\\\frac{1}{2}\", \"unique_id\": \"u1\"}\n");
        Problem p = b.problems(42).get(0);
        assertTrue(b.judge(p, "Therefore the answer is \\boxed{0.5}").correct());
        assertTrue(b.judge(p, "\\boxed{\\dfrac{1}{2}}").correct());
        assertFalse(b.judge(p, "\\boxed{\\frac{1}{3}}").correct());
    }

    @Test
    void aimeAndAmcAnswers() throws Exception {
        Benchmark aime = load("aime25", "a.jsonl", "{\"id\": 1, \"problem\": \"P\", \"answer\": \"070\"}\n");
        assertTrue(aime.judge(aime.problems(42).get(0), "\\boxed{70}").correct());
        Benchmark amc = load("amc23", "c.jsonl", "{\"id\": 0, \"problem\": \"P\", \"answer\": 27.0}\n");
        assertTrue(amc.judge(amc.problems(42).get(0), "final: \\boxed{27}").correct());
    }

    @Test
    void gpqaLetters() throws Exception {
        Benchmark b = load("gpqa", "g.jsonl",
                "{\"id\": \"r\", \"question\": \"Q\", \"correct_answer\": \"yes\", \"incorrect_answers\": [\"a\", \"b\", \"c\"]}\n");
        Problem p = b.problems(44).get(0); // CPython seed 44 puts the answer at D
        assertEquals("D", p.gold());
        assertTrue(b.judge(p, "Thinking...\nAnswer: D").correct());
        assertFalse(b.judge(p, "Thinking...\nAnswer: B").correct());
        assertEquals("B", b.judge(p, "Answer: B").extracted());
    }

    @Test
    void realGoldsAcceptTheirOwnAnswers() {
        org.junit.jupiter.api.Assumptions.assumeTrue(BenchmarkLoadersTest.haveData("gsm8k") && BenchmarkLoadersTest.haveData("math500"));
        Benchmark gsm = Benchmarks.load("gsm8k", scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults());
        int ok = 0, n = 0;
        for (Problem p : gsm.problems(42).subList(0, 200)) {
            n++;
            if (gsm.judge(p, "The answer is \\boxed{" + p.detail() + "}.").correct()) ok++;
        }
        assertEquals(n, ok, "GSM8K: the number after #### must match its own gold");
        Benchmark math = Benchmarks.load("math500", scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults());
        ok = 0;
        n = 0;
        for (Problem p : math.problems(42).subList(0, 100)) {
            n++;
            if (math.judge(p, "Final answer: \\boxed{" + p.detail() + "}").correct()) ok++;
        }
        assertTrue(ok >= n - 2, "MATH-500: the answer field matches the boxed solution for " + ok + "/" + n);
    }

    @Test
    void judgesAreUsableFromManyThreads() throws Exception {
        Benchmark b = load("aime24", "t.jsonl", "{\"id\": 1, \"problem\": \"P\", \"answer\": \"204\"}\n");
        Problem p = b.problems(42).get(0);
        List<Boolean> out = java.util.stream.IntStream.range(0, 16).parallel()
                .mapToObj(i -> b.judge(p, "\\boxed{" + (i % 2 == 0 ? 204 : 205) + "}").correct()).toList();
        for (int i = 0; i < out.size(); i++) assertEquals(i % 2 == 0, out.get(i));
    }
}
