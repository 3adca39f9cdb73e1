package dev.lowbit.eval.lcb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.eval.Judgement;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.Prompts;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LcbGraderTest {
    static LcbGrader grader;

    @BeforeAll
    static void setUp() {
        grader = new LcbGrader(new PythonSandbox(SandboxLimits.lcbDefaults().withWallTimeout(Duration.ofSeconds(3))));
    }

    static LcbProblem stdinProblem() {
        return LcbProblem.of("s1", "sum", "Read n then n numbers; print their sum.", "", "atcoder", "easy",
                LocalDateTime.of(2024, 9, 1, 0, 0),
                List.of(new LcbTest("3\n1 2 3\n", "6\n", LcbTest.Type.STDIN)),
                List.of(new LcbTest("2\n10 -4\n", "6", LcbTest.Type.STDIN), new LcbTest("1\n7\n", "7\n", LcbTest.Type.STDIN)),
                null);
    }

    static LcbProblem functionalProblem() {
        return LcbProblem.of("f1", "pair", "Return [a+b, a*b].", "class Solution:\n    def pairOps(self, a: int, b: int) -> List[int]:\n        ",
                "leetcode", "easy", LocalDateTime.of(2024, 9, 1, 0, 0),
                List.of(new LcbTest("2\n3", "[5, 6]", LcbTest.Type.FUNCTIONAL)),
                List.of(new LcbTest("0\n-1", "[-1, 0]", LcbTest.Type.FUNCTIONAL)),
                "pairOps");
    }

    @Test
    void stdinProblemPassesOnlyWithAllTests() {
        String good = "n = int(input())\nprint(sum(map(int, input().split())))\n";
        assertEquals(new LcbGrader.Verdict(true, 3, 3, ""), grader.grade(stdinProblem(), good));
        // right on the public test, wrong on a private one
        String bad = "n = int(input())\nxs = list(map(int, input().split()))\nprint(6 if n == 3 else 0)\n";
        LcbGrader.Verdict v = grader.grade(stdinProblem(), bad);
        assertFalse(v.passed());
        assertEquals(1, v.testsPassed());
        assertEquals("test 2: wrong answer", v.failure());
        // preloaded imports (no explicit import of math) and sys.exit() count as normal runs
        assertTrue(grader.grade(stdinProblem(), "n = int(input())\nprint(floor(fsum(map(int, input().split()))))\nexit(0)\n").passed());
        LcbGrader.Verdict crash = grader.grade(stdinProblem(), "raise ValueError('boom')\n");
        assertEquals("test 1: runtime error (exit 1)", crash.failure());
        assertEquals("no code block in the output", grader.grade(stdinProblem(), "").failure());
    }

    @Test
    void functionalProblemCallsTheSolutionMethod() {
        String good = "class Solution:\n    def pairOps(self, a: int, b: int) -> List[int]:\n        print('noise')\n        return (a + b, a * b)\n";
        assertEquals(new LcbGrader.Verdict(true, 2, 2, ""), grader.grade(functionalProblem(), good));
        String wrong = "class Solution:\n    def pairOps(self, a, b):\n        return [a + b, a + b]\n";
        assertEquals("test 1: wrong answer", grader.grade(functionalProblem(), wrong).failure());
        String missing = "class Solution:\n    def other(self, a, b):\n        return [a + b, a * b]\n";
        assertEquals("test 1: runtime error (ERROR AttributeError)", grader.grade(functionalProblem(), missing).failure());
        String slow = "class Solution:\n    def pairOps(self, a, b):\n        while True: pass\n";
        assertEquals("test 1: time limit exceeded", grader.grade(functionalProblem(), slow).failure());
        // printing a fake verdict cannot pass: the harness's nonce is unknown to the code
        String forge = "print('PASS')\nclass Solution:\n    def pairOps(self, a, b):\n        print('PASS'); return None\n";
        assertFalse(grader.grade(functionalProblem(), forge).passed());
    }

    @Test
    void outputComparisonFollowsTheReference() {
        assertTrue(LcbGrader.outputsMatch("  6 \n\n", "6"));
        assertTrue(LcbGrader.outputsMatch("1.50 2\n", "1.5 2.0\n"));
        assertFalse(LcbGrader.outputsMatch("1.5 2\n", "1.5\n"));
        assertFalse(LcbGrader.outputsMatch("6\n7\n", "6\n"));
        assertFalse(LcbGrader.outputsMatch("yes", "YES"));
        assertTrue(LcbGrader.outputsMatch("a b\nc", "a b \n c"));
    }

    @Test
    void benchmarkPromptsAndJudgesTheLastFencedBlock() {
        LiveCodeBenchBenchmark b = new LiveCodeBenchBenchmark(List.of(stdinProblem(), functionalProblem()), grader);
        List<Problem> ps = b.problems(42);
        assertEquals(2, ps.size());
        String p0 = b.prompt(ps.get(0));
        assertEquals(Prompts.liveCodeBench("Read n then n numbers; print their sum.", ""), p0);
        assertTrue(p0.endsWith("Enclose your code within delimiters as follows.```python\n# YOUR CODE HERE\n```\n\n"));
        assertTrue(b.prompt(ps.get(1)).contains("enclose your code within delimiters.```python\nclass Solution:"));
        String output = "Let me think.\n```python\nprint('draft')\n```\nFinal:\n```python\nn = int(input())\nprint(sum(map(int, input().split())))\n```\n";
        Judgement j = b.judge(ps.get(0), output);
        assertTrue(j.correct(), j.note());
        assertEquals("3 tests", j.goldShown());
    }
}
