package dev.lowbit.eval.run;

import dev.lowbit.eval.CompletionEngine;
import dev.lowbit.eval.CompletionRequest;
import dev.lowbit.eval.CompletionResult;
import dev.lowbit.eval.RecordStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.eval.report.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs into one output directory: the second is refused while the first holds OUT/.lock. */
class ConcurrentRunTest {
    @TempDir Path dir;

    /** answers like FakeEngine, but only after the test lets it go */
    static final class GatedEngine implements CompletionEngine {
        final CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);

        @Override
        public void complete(List<CompletionRequest> requests, Consumer<CompletionResult> sink) {
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (CompletionRequest r : requests) sink.accept(EvalRunnerTest.FakeEngine.answer(r));
        }

        @Override
        public String describe() {
            return "fake-model w16";
        }
    }

    @Test
    void secondRunnerInTheSameProcessIsRefusedUntilTheFirstEnds() throws Exception {
        Path out = dir.resolve("out");
        GatedEngine first = new GatedEngine();
        CompletableFuture<RunSummary> a = CompletableFuture.supplyAsync(() -> EvalRunnerTest.runner(out, first, 2).run());
        assertTrue(first.started.await(30, TimeUnit.SECONDS));

        EvalRunnerTest.FakeEngine second = new EvalRunnerTest.FakeEngine(-1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> EvalRunnerTest.runner(out, second, 2).run());
        assertTrue(e.getMessage().startsWith("--out " + out + " is in use by another lowbit run"), e.getMessage());
        assertEquals(0, second.seen.size(), "the refused run generated nothing");
        assertThrows(IllegalStateException.class, () -> EvalRunnerTest.runner(out, second, 2).rescore());

        first.release.countDown();
        RunSummary done = a.get(30, TimeUnit.SECONDS);
        assertEquals(12, done.recordCount());
        // released at the end: the next run goes through (and finds everything done)
        assertEquals(done, EvalRunnerTest.runner(out, second, 2).run());
        assertEquals(0, second.seen.size());
        assertFalse(Files.list(out).anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
    }

    @Test
    void runInAnotherProcessHoldsTheLockUntilItDies() throws Exception {
        Path out = dir.resolve("other");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), KillableRun.class.getName(), out.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!Files.exists(out.resolve(RecordStore.FILE)) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(p.isAlive(), "the child finished too early");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> EvalRunnerTest.runner(out, new EvalRunnerTest.FakeEngine(-1), 10).run());
            assertTrue(e.getMessage().contains("is in use by another lowbit run"), e.getMessage());
            p.destroyForcibly(); // SIGKILL: the OS drops the lock with the process
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(60, EvalRunnerTest.runner(out, new EvalRunnerTest.FakeEngine(-1), 10).run().recordCount());
    }

    @Test
    void runJsonIsWrittenWhole() throws Exception {
        Path out = dir.resolve("json");
        EvalRunnerTest.runner(out, new EvalRunnerTest.FakeEngine(-1), 1).run();
        String json = Files.readString(out.resolve("run.json"));
        assertTrue(json.startsWith("{") && json.strip().endsWith("}"), json);
        try (var s = Files.list(out)) {
            assertEquals(List.of(".lock", "records.jsonl", "run.json", "summary.csv", "summary.json", "summary.md"),
                    s.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }
}
