package dev.lowbit.eval.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.catalogue.Benchmarks;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.StudyScorers;
import dev.lowbit.eval.lcb.LcbSubset;
import dev.lowbit.eval.lcb.SandboxLimits;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestbedBenchmarkTest {
    private static Benchmark load(String token) {
        return Benchmarks.load(Benchmarks.parseList(token).get(0), new StudyScorers(), LcbSubset.v4v5(), SandboxLimits.lcbDefaults());
    }

    @Test
    void specsParseAndBadOnesAreRefused() {
        assertEquals(new TestbedBenchmark.Spec(TestbedBenchmark.DEFAULT_SEED, TestbedBenchmark.DEFAULT_PER_LEVEL), TestbedBenchmark.parse("testbed"));
        assertEquals(new TestbedBenchmark.Spec(7, 40), TestbedBenchmark.parse("testbed:7:40"));
        assertNull(TestbedBenchmark.parse("gsm8k"));
        assertThrows(IllegalArgumentException.class, () -> TestbedBenchmark.parse("testbed:x"));
        assertThrows(IllegalArgumentException.class, () -> TestbedBenchmark.parse("testbed:1:0"));
        assertThrows(IllegalArgumentException.class, () -> TestbedBenchmark.parse("testbed:1:2:3"));
        assertEquals(List.of("testbed:7:3", "gsm8k"), Benchmarks.parseList("testbed:7:3,gsm8k"));
    }

    @Test
    void problemsInterleaveLevelsAndScoreLikeGsm8k() {
        Benchmark b = load("testbed:3:4");
        List<Problem> ps = b.problems(42);
        assertEquals(4 * TestbedGenerator.MAX_LEVEL, ps.size());
        assertEquals(ps, b.problems(43), "the sampling seed does not change the problems");
        HashSet<String> ids = new HashSet<>();
        for (int i = 0; i < ps.size(); i++) {
            Problem p = ps.get(i);
            assertTrue(ids.add(p.id()));
            assertEquals(i % TestbedGenerator.MAX_LEVEL + 1, b.level(p));
            TestbedProblem t = (TestbedProblem) p.detail();
            assertEquals(TestbedGenerator.Split.TEST, TestbedGenerator.splitOf(t.question()));
            assertTrue(b.prompt(p).startsWith(t.question()) && b.prompt(p).contains("\\boxed{}"));
            assertTrue(b.judge(p, t.solution()).correct(), "the worked solution scores correct");
            assertFalse(b.judge(p, t.solution().replace("\\boxed{" + t.answer() + "}", "\\boxed{" + (t.answer() + 1) + "}")).correct());
        }
    }
}
