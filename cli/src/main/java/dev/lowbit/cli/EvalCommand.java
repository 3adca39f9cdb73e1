package dev.lowbit.cli;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.catalogue.Benchmarks;
import dev.lowbit.eval.run.EvalRunner;
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

    @Mixin RunOptions run;

    @Option(names = "--quant", description = "quantization plan (default ${DEFAULT-VALUE})")
    String quant = "w16";

    @Option(names = "--bench", required = true, description = "benchmarks: gsm8k,math500,aime24,aime25,aime90,aime120,amc23,gpqa,lcb or 'study'")
    String bench;

    @Option(names = "--out", required = true, description = "output directory (records.jsonl, summary.md/csv/json)")
    Path out;

    @Option(names = "--baseline", description = "summary.json of a baseline run: adds the Drop column")
    Path baseline;

    @Override
    public Integer call() throws Exception {
        // everything that can be refused is refused before the model loads
        QuantPlan plan = QuantPlan.parse(quant);
        run.validate();
        OutputChecks.checkOut(out, "--out");
        OutputChecks.checkBaseline(baseline);
        model.validate();
        GenerationSettings gen = run.generation(model.displayName());
        List<Long> seeds = Benchmarks.parseSeeds(run.seeds);
        List<Benchmark> benches = loadBenchmarks(bench);
        RunSummary s;
        try (LowbitModel m = model.load(plan, run.batch)) {
            OutputChecks.checkContext(m, benches, seeds, run.limit);
            QuantPlan runs = m.options().plan();  // a quantized file runs its recorded plan, by its method
            s = run(m, model.resolve().getFileName() + " " + runs.name() + (runs.method().equals("rtn") ? "" : " " + runs.method()),
                    benches, seeds, run.limit, gen, out);
        }
        if (baseline != null) RunReport.write(out, s, RunReport.read(baseline));
        System.out.println(Files.readString(out.resolve("summary.md")));
        return 0;
    }

    /** the --bench list, names checked and data loaded (shared with `sweep`) */
    static List<Benchmark> loadBenchmarks(String bench) {
        if (bench == null || bench.isBlank()) throw new IllegalArgumentException("--bench is empty: name benchmarks, e.g. gsm8k,math500 or study");
        List<String> ids = Benchmarks.parseList(bench); // unknown names fail here, before any data loads
        List<Benchmark> benches = new ArrayList<>();
        StudyScorers scoring = new StudyScorers();
        for (String id : ids) benches.add(Benchmarks.load(id, scoring, LcbSubset.v4v5(), SandboxLimits.lcbDefaults()));
        return benches;
    }

    /** runs the benchmarks on a loaded model (shared with `sweep`); the runner locks `out` */
    static RunSummary run(LowbitModel m, String label, List<Benchmark> benches, List<Long> seeds, int limit, GenerationSettings gen, Path out) {
        EvalRunner.Config cfg = new EvalRunner.Config(benches, seeds, limit, out, gen,
                Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), label);
        return new EvalRunner(cfg, new LowbitEngine(m, label)).log(System.err, System.console() != null).run();
    }
}
