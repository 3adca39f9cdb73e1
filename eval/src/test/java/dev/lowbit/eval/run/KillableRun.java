package dev.lowbit.eval.run;

import dev.lowbit.eval.CompletionEngine;
import dev.lowbit.eval.CompletionRequest;
import dev.lowbit.eval.CompletionResult;
import dev.lowbit.eval.GenerationSettings;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A run in its own JVM for the kill test: the fake engine answers one request every 40 ms, so
 * the test can SIGKILL the process part-way through.
 */
public final class KillableRun {
    static final class SlowEngine implements CompletionEngine {
        @Override
        public void complete(List<CompletionRequest> requests, Consumer<CompletionResult> sink) {
            for (CompletionRequest r : requests) {
                try {
                    Thread.sleep(40);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                sink.accept(EvalRunnerTest.FakeEngine.answer(r));
            }
        }

        @Override
        public String describe() {
            return "slow fake";
        }
    }

    public static void main(String[] args) {
        EvalRunner.Config c = new EvalRunner.Config(EvalRunnerTest.benchmarks(), List.of(42L, 43L, 44L), 10, Path.of(args[0]),
                GenerationSettings.studyDefaults(), 1, "fake w16");
        new EvalRunner(c, new SlowEngine()).log(new PrintStream(OutputStream.nullOutputStream()), false).run();
    }
}
