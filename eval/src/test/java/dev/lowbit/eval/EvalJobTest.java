package dev.lowbit.eval;

import dev.lowbit.eval.catalogue.Benchmarks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lowbit.eval.lcb.LcbSubset;
import dev.lowbit.eval.lcb.SandboxLimits;
import dev.lowbit.eval.report.RunSummary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalJobTest {
    @TempDir Path dir;

    /** always answers 18 (right for GSM8K's first problem), 50 tokens in 1 s */
    static final class ConstantEngine implements CompletionEngine {
        @Override
        public void complete(List<CompletionRequest> requests, java.util.function.Consumer<CompletionResult> sink) {
            for (CompletionRequest r : requests) sink.accept(new CompletionResult(r.id(), "Let me see.\n\n\\boxed{18}", 30, 50, 1.0));
        }

        @Override
        public String describe() {
            return "constant";
        }
    }

    @Test
    void gsm8kAndMath500ThroughTheWholePipelineWithABaseline() throws Exception {
        assumeTrue(BenchmarkLoadersTest.haveData("gsm8k") && BenchmarkLoadersTest.haveData("math500"));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        EvalJob base = new EvalJob(Benchmarks.parseList("gsm8k,math500"), List.of(42L, 43L), 3, dir.resolve("w16"),
                GenerationSettings.studyDefaults(), LcbSubset.v4v5(), SandboxLimits.lcbDefaults(), 2, "w16", null);
        RunSummary b = base.run(new ConstantEngine(), new FakeScoring(), quiet);
        assertEquals(12, b.recordCount());
        EvalJob q = new EvalJob(base.benchmarks(), base.seeds(), 3, dir.resolve("w4"), base.generation(), base.lcbSubset(),
                base.sandboxLimits(), 2, "w4a16-g128", dir.resolve("w16/summary.json"));
        RunSummary s = q.run(new ConstantEngine(), new FakeScoring(), quiet);
        String md = Files.readString(dir.resolve("w4/summary.md"));
        assertTrue(md.contains("| Method | W-A-KV | MATH-500 | GSM8K | Avg. | Drop | Label |"), md);
        assertTrue(md.contains("| w16 |"), md);
        assertTrue(md.contains("| w4a16-g128 |"), md);
        assertTrue(md.lines().filter(l -> l.startsWith("| w4a16-g128")).findFirst().orElseThrow().endsWith("| 0.0 | lossless |"), md);
        assertEquals(b.accuracy(), s.accuracy());
        // GSM8K problem 0 (gold 18) is right under both seeds: 1 of 3 -> 33.3%
        assertEquals(100.0 / 3, s.accuracy().get("gsm8k").get(42L), 1e-9);
        assertEquals(0.0, s.accuracy().get("math500").get(43L), 1e-9);
        assertEquals(50.0, s.tokensPerSecond(), 1e-9);
    }
}
