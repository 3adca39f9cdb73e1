package dev.lowbit.cli;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.Benchmarks;
import dev.lowbit.eval.EvalRunner;
import dev.lowbit.eval.GenerationSettings;
import dev.lowbit.eval.LowbitEngine;
import dev.lowbit.eval.StudyScorers;
import dev.lowbit.eval.lcb.LcbSubset;
import dev.lowbit.eval.lcb.SandboxLimits;
import dev.lowbit.eval.report.RunReport;
import dev.lowbit.eval.report.RunSummary;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `lowbit eval`: run benchmarks for one plan, resumable, and summarise them as the study does. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Run reasoning benchmarks (one JSONL record per problem and seed; rerun with the same --out to resume).")
final class EvalCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--quant", description = "quantization plan (default ${DEFAULT-VALUE})")
    String quant = "w16";

    @Option(names = "--bench", required = true, description = "benchmarks: gsm8k,math500,aime24,aime25,aime90,aime120,amc23,gpqa,lcb or 'study'")
    String bench;

    @Option(names = "--seeds", description = "seeds (default ${DEFAULT-VALUE})")
    String seeds = "42,43,44";

    @Option(names = "--limit", description = "first N problems of each benchmark (0 = all)")
    int limit = 0;

    @Option(names = "--batch", description = "sequences decoded together (default ${DEFAULT-VALUE})")
    int batch = 8;

    @Option(names = "--temp", description = "temperature (default ${DEFAULT-VALUE})")
    double temp = 0.6;

    @Option(names = "--top-p", description = "top-p (default ${DEFAULT-VALUE})")
    double topP = 0.95;

    @Option(names = "--max-tokens", description = "max output tokens (prompt + output within the context; default ${DEFAULT-VALUE})")
    int maxTokens = 32768;

    @Option(names = "--out", required = true, description = "output directory (records.jsonl, summary.md/csv/json)")
    Path out;

    @Option(names = "--baseline", description = "summary.json of a baseline run: adds the Drop column")
    Path baseline;

    @Override
    public Integer call() throws Exception {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1");
        QuantPlan plan = QuantPlan.parse(quant);
        RunSummary s = run(model, plan, bench, seeds, limit, batch, new GenerationSettings(temp, topP, maxTokens), out);
        if (baseline != null) {
            if (!Files.isRegularFile(baseline)) throw new IllegalArgumentException("baseline summary not found: " + baseline);
            RunReport.write(out, s, RunReport.read(baseline));
        }
        System.out.println(Files.readString(out.resolve("summary.md")));
        return 0;
    }

    /** loads the model with the plan and runs the benchmarks (shared with `sweep`) */
    static RunSummary run(ModelOptions model, QuantPlan plan, String bench, String seeds, int limit, int batch,
                          GenerationSettings gen, Path out) throws Exception {
        try (LowbitModel m = model.load(plan, batch)) {
            return run(m, model.resolve().getFileName() + " " + plan.name(), bench, seeds, limit, gen, out);
        }
    }

    /** runs the benchmarks on a loaded model */
    static RunSummary run(LowbitModel m, String label, String bench, String seeds, int limit, GenerationSettings gen, Path out) {
        List<Benchmark> benches = new ArrayList<>();
        StudyScorers scoring = new StudyScorers();
        for (String id : Benchmarks.parseList(bench))
            benches.add(Benchmarks.load(id, scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults()));
        EvalRunner.Config cfg = new EvalRunner.Config(benches, Benchmarks.parseSeeds(seeds), limit, out, gen,
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), label);
        return new EvalRunner(cfg, new LowbitEngine(m, label)).log(System.err, System.console() != null).run();
    }
}
