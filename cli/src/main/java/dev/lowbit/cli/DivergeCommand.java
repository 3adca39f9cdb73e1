package dev.lowbit.cli;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.diverge.DivergeReport;
import dev.lowbit.eval.diverge.DivergeRunner;
import dev.lowbit.eval.diverge.DivergeStore;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.util.OutputLock;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `lowbit diverge`: where a quantized model's reasoning departs from the 16-bit model's, step by step. */
@Command(name = "diverge", mixinStandardHelpOptions = true,
        description = "Per problem: the w16 trace and the quantized one, teacher-forced KL / top-1 per reasoning step along the w16 trace, "
                + "the first step where they differ and whether the answer survives (diverge.jsonl, resumable; summary.md, plots, view/*.html).")
final class DivergeCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--quant", required = true, description = "the quantization plan compared with w16, e.g. w3a16-g128")
    String quant;

    @Option(names = "--bench", required = true, description = "benchmarks, as eval takes them (e.g. testbed:2026:10, gsm8k)")
    String bench;

    @Option(names = "--limit", description = "first N problems of each benchmark (0 = all)")
    int limit = 0;

    @Option(names = "--seed", description = "sampling seed, the same for both models, and GPQA's answer order (default ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--temperature", description = "0 = greedy (default: traces comparable token by token); > 0 samples with top-p 0.95, as the study at 0.6")
    double temperature = 0;

    @Option(names = "--max-tokens", description = "max output tokens per trace (prompt + output within the context; default ${DEFAULT-VALUE})")
    int maxTokens = 4096;

    @Option(names = "--batch", description = "problems generated together (default ${DEFAULT-VALUE})")
    int batch = 8;

    @Option(names = "--out", required = true, description = "output directory (diverge.jsonl, summary.md, kl_by_step.png, first_divergence.png, view/)")
    Path out;

    @Override
    public Integer call() throws Exception {
        QuantPlan plan = QuantPlan.parse(quant);
        if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) throw new IllegalArgumentException("--temperature must be a number >= 0, got " + temperature);
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        if (batch < 1 || batch > 1024) throw new IllegalArgumentException("--batch " + batch + " is out of range 1..1024");
        OutputChecks.checkOut(out, "--out");
        model.validate();
        List<Benchmark> benches = EvalCommand.loadBenchmarks(bench);
        SamplerSettings sampler = temperature == 0 ? SamplerSettings.greedy() : new SamplerSettings(temperature, 0.95, 0, seed);
        String sampling = temperature == 0 ? "greedy" : String.format(Locale.ROOT, "T=%s, top-p 0.95, seed %d", temperature, seed);
        long t0 = System.nanoTime();
        // the run's identity from the arguments, so a directory of another run is refused before anything loads
        String run = plan.name() + ", " + sampling + ", max " + maxTokens + " tokens";
        try (OutputLock lock = OutputLock.acquire(out, "--out");
             DivergeStore store = new DivergeStore(out, run);
             LowbitModel base = model.load(QuantPlan.W16, batch);
             LowbitModel q = model.load(plan, batch)) {
            OutputChecks.checkContext(base, benches, List.of(seed), limit);
            new DivergeRunner(base, q).run(new DivergeRunner.Config(benches, sampler, maxTokens, limit, seed, batch, run), store,
                    msg -> System.err.print("\r" + msg + "        "));
            System.err.println();
            String md = DivergeReport.write(out, store.records(), model.resolve().getFileName().toString(), q.options().plan().name(), sampling);
            System.out.print(md);
        }
        System.err.printf(Locale.ROOT, "diverge: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
