package dev.lowbit.eval.run;

import dev.lowbit.eval.catalogue.Benchmarks;
import dev.lowbit.eval.FakeScoring;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.CompletionEngine;
import dev.lowbit.eval.CompletionRequest;
import dev.lowbit.eval.CompletionResult;
import dev.lowbit.eval.EvalRecord;
import dev.lowbit.eval.GenerationSettings;
import dev.lowbit.eval.Judgement;
import dev.lowbit.eval.MathBenchmark;
import dev.lowbit.eval.MathGold;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.Prompts;
import dev.lowbit.eval.RecordStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.eval.report.RunSummary;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalRunnerTest {
    @TempDir Path dir;

    /**
     * Deterministic engine: the answer depends only on the request (id and seed), never on order
     * or batching. Delivers results from two threads in shuffled order; optionally fails after
     * `failAfter` results, like a crash in the middle of a run.
     */
    static final class FakeEngine implements CompletionEngine {
        final int failAfter;
        final List<CompletionRequest> seen = Collections.synchronizedList(new ArrayList<>());

        FakeEngine(int failAfter) {
            this.failAfter = failAfter;
        }

        @Override
        public void complete(List<CompletionRequest> requests, Consumer<CompletionResult> sink) {
            List<CompletionRequest> order = new ArrayList<>(requests);
            Collections.shuffle(order, new Random(7));
            seen.addAll(order);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            AtomicInteger delivered = new AtomicInteger();
            try {
                for (CompletionRequest r : order) {
                    if (failAfter >= 0 && delivered.get() >= failAfter) break;
                    delivered.incrementAndGet();
                    pool.execute(() -> sink.accept(answer(r)));
                }
            } finally {
                pool.shutdown();
                try {
                    pool.awaitTermination(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failAfter >= 0 && delivered.get() < requests.size()) throw new IllegalStateException("simulated crash");
        }

        static CompletionResult answer(CompletionRequest r) {
            // problem "q<i>" has gold i; answer right unless the request seed says otherwise
            String problem = r.id().split("/")[1];
            int gold = Integer.parseInt(problem.substring(1));
            boolean right = r.seed() % 3 != 0;
            int steps = (int) (r.seed() % 5) + 1;
            String text = "think\n\n".repeat(steps - 1) + "\\boxed{" + (right ? gold : gold + 1) + "}";
            return new CompletionResult(r.id(), text, 20, 10 * steps, 0.5);
        }

        @Override
        public String describe() {
            return "fake-model w16";
        }
    }

    static List<Benchmark> benchmarks() {
        List<Benchmark> out = new ArrayList<>();
        FakeScoring scoring = new FakeScoring();
        for (String id : List.of("aime90", "gsm8k")) {
            List<Problem> ps = new ArrayList<>();
            for (int i = 0; i < 12; i++) ps.add(new Problem("q" + i, "What is " + i + "?", Integer.toString(i), Integer.toString(i)));
            out.add(new MathBenchmark(id, Benchmarks.displayName(id), ps, scoring.math(MathGold.EXPR)));
        }
        return out;
    }

    static EvalRunner runner(Path out, CompletionEngine engine, int limit) {
        EvalRunner.Config c = new EvalRunner.Config(benchmarks(), List.of(42L, 43L, 44L), limit, out,
                GenerationSettings.studyDefaults(), 3, "fake w16");
        return new EvalRunner(c, engine).log(new PrintStream(new ByteArrayOutputStream()), true);
    }

    @Test
    void killedRunResumesToTheSameSummary() throws Exception {
        RunSummary full = runner(dir.resolve("full"), new FakeEngine(-1), 10).run();
        assertEquals(60, full.recordCount());

        Path out = dir.resolve("resumed");
        FakeEngine crashing = new FakeEngine(23);
        EvalRunner.RunFailedException e = assertThrows(EvalRunner.RunFailedException.class, () -> runner(out, crashing, 10).run());
        assertTrue(e.getMessage().contains("after 23 of 60"), e.getMessage());
        assertEquals(23, RecordStore.read(out.resolve(RecordStore.FILE)).size());
        // a kill in the middle of a write leaves half a line behind
        Files.writeString(out.resolve(RecordStore.FILE), "{\"benchmark\":\"gsm8k\",\"problem_id\":\"q", StandardOpenOption.APPEND);

        FakeEngine second = new FakeEngine(-1);
        RunSummary resumed = runner(out, second, 10).run();
        assertEquals(37, second.seen.size(), "only the missing requests are generated again");
        assertEquals(full, resumed);
        assertEquals(Files.readString(dir.resolve("full/summary.md")), Files.readString(out.resolve("summary.md")));
        assertEquals(Files.readString(dir.resolve("full/summary.csv")), Files.readString(out.resolve("summary.csv")));
        assertEquals(60, Files.readAllLines(out.resolve(RecordStore.FILE)).size());

        // a third run finds nothing to do
        FakeEngine third = new FakeEngine(-1);
        assertEquals(full, runner(out, third, 10).run());
        assertEquals(0, third.seen.size());
    }

    @Test
    void processKilledWithSigkillResumesToTheSameSummary() throws Exception {
        RunSummary full = runner(dir.resolve("full"), new FakeEngine(-1), 10).run();
        Path out = dir.resolve("killed");
        Path records = out.resolve(RecordStore.FILE);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), KillableRun.class.getName(), out.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (lines(records) < 12 && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(p.isAlive(), "the child finished before it could be killed");
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        int before = lines(records);
        assertTrue(before >= 12 && before < 60, "records at kill time: " + before);
        FakeEngine second = new FakeEngine(-1);
        RunSummary resumed = runner(out, second, 10).run();
        assertTrue(second.seen.size() <= 60 - before + 1, "regenerated " + second.seen.size() + " after " + before);
        assertEquals(full, resumed);
        assertEquals(Files.readString(dir.resolve("full/summary.md")), Files.readString(out.resolve("summary.md")));
    }

    private static int lines(Path f) throws java.io.IOException {
        if (!Files.exists(f)) return 0;
        return (int) Files.readString(f).chars().filter(c -> c == '\n').count();
    }

    @Test
    void recordsHoldPromptVerdictTokensAndSteps() throws Exception {
        Path out = dir.resolve("one");
        FakeEngine engine = new FakeEngine(-1);
        RunSummary s = runner(out, engine, 2).run();
        List<EvalRecord> rs = RecordStore.read(out.resolve(RecordStore.FILE));
        assertEquals(12, rs.size());
        for (EvalRecord r : rs) {
            CompletionRequest req = engine.seen.stream().filter(q -> q.id().equals(r.key())).findFirst().orElseThrow();
            assertEquals(0.6, req.temperature());
            assertEquals(0.95, req.topP());
            assertEquals(32768, req.maxTokens());
            assertEquals(req.seed(), r.requestSeed());
            assertEquals(req.userMessage(), r.prompt());
            assertTrue(r.prompt().endsWith(Prompts.MATH_SUFFIX));
            assertEquals(r.requestSeed() % 3 != 0, r.correct());
            assertEquals((int) (r.requestSeed() % 5) + 1, r.steps());
            assertEquals(10 * r.steps(), r.outputTokens());
        }
        // request seeds differ across problems and seeds but not across reruns
        assertEquals(12, rs.stream().map(EvalRecord::requestSeed).distinct().count());
        assertEquals(EvalRunner.requestSeed(42, "gsm8k", "q1"), EvalRunner.requestSeed(42, "gsm8k", "q1"));
        assertEquals(s.accuracy().get("gsm8k").size(), 3);
        assertTrue(Files.readString(out.resolve("summary.md")).contains("| fake w16 |"));
    }

    @Test
    void rescoreJudgesRecordedOutputsAgainWithoutGenerating() throws Exception {
        Path out = dir.resolve("rescore");
        RunSummary first = runner(out, new FakeEngine(-1), 4).run();
        // a judge that accepts everything: accuracy becomes 100 everywhere, tokens unchanged
        List<Benchmark> lenient = new ArrayList<>();
        for (Benchmark b : benchmarks()) lenient.add(new MathBenchmark(b.id(), b.displayName(), b.problems(0), (p, o) -> Judgement.of(true, "x", p.gold())));
        EvalRunner.Config c = new EvalRunner.Config(lenient, List.of(42L, 43L, 44L), 4, out, GenerationSettings.studyDefaults(), 1, "fake w16");
        FakeEngine unused = new FakeEngine(-1);
        RunSummary again = new EvalRunner(c, unused).rescore();
        assertEquals(0, unused.seen.size());
        assertTrue(first.accuracy().get("gsm8k").values().stream().anyMatch(a -> a < 100));
        assertTrue(again.accuracy().values().stream().allMatch(m -> m.values().stream().allMatch(a -> a == 100.0)));
        assertEquals(first.outputTokens(), again.outputTokens());
        assertEquals(24, RecordStore.read(out.resolve(RecordStore.FILE)).size());
        assertTrue(RecordStore.read(out.resolve(RecordStore.FILE)).stream().allMatch(EvalRecord::correct));
    }

    @Test
    void resumingWithOtherSamplingSettingsIsRefused() {
        Path out = dir.resolve("settings");
        runner(out, new FakeEngine(-1), 1).run();
        EvalRunner.Config other = new EvalRunner.Config(benchmarks(), List.of(42L), 1, out, new GenerationSettings(0.0, 1.0, 100), 1, "x");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new EvalRunner(other, new FakeEngine(-1)).run());
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
    }

    @Test
    void topKIsRecordedAndAResumeWithAnotherIsRefused() throws Exception {
        Path out = dir.resolve("topk");
        GenerationSettings s = GenerationSettings.studyDefaults();
        runner(out, new FakeEngine(-1), 1).run();
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"top_k\" : 0"), Files.readString(out.resolve("run.json")));
        EvalRunner.Config qwq = new EvalRunner.Config(benchmarks(), List.of(42L), 1, out,
                new GenerationSettings(s.temperature(), s.topP(), GenerationSettings.presetTopK("qwq-32b-q4_k_m.gguf QwQ 32B"), s.maxTokens()), 1, "x");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new EvalRunner(qwq, new FakeEngine(-1)).run());
        assertTrue(e.getMessage().contains("top_k=0") && e.getMessage().contains("asks for 30"), e.getMessage());
        assertEquals(0, GenerationSettings.presetTopK("DeepSeek-R1-Distill-Qwen-7B-Q8_0.gguf DeepSeek R1 Distill Qwen 7B"));
    }

    @Test
    void plainProgressLinesShowCountsAndEta() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        EvalRunner.Config c = new EvalRunner.Config(benchmarks(), List.of(42L), 5, dir.resolve("p"), GenerationSettings.studyDefaults(), 1, "p");
        new EvalRunner(c, new FakeEngine(-1)).log(new PrintStream(buf, true, StandardCharsets.UTF_8), true).run();
        String log = buf.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("eval: 10/10"), log);
        assertTrue(log.contains("ETA 0:00:00"), log);
    }
}
