package dev.lowbit.eval;

import dev.lowbit.eval.run.EvalRunner;
import dev.lowbit.eval.catalogue.Benchmarks;
import dev.lowbit.eval.lcb.LcbSubset;
import dev.lowbit.eval.lcb.SandboxLimits;
import dev.lowbit.eval.report.RunReport;
import dev.lowbit.eval.report.RunSummary;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * `lowbit eval` in one call: load the benchmarks from the data search path, run them through
 * an engine into a resumable output directory, and write the summary (with Drop when a
 * baseline run's summary.json is given).
 *
 * @param benchmarks      ids as {@link Benchmarks#parseList} returns them
 * @param limit           0 = all problems, else the first N of each benchmark
 * @param label           row label in the tables (null: the engine's description)
 * @param baselineSummary a baseline run's summary.json for the Drop column, or null
 */
public record EvalJob(List<String> benchmarks, List<Long> seeds, int limit, Path outDir, GenerationSettings generation,
                      LcbSubset lcbSubset, SandboxLimits sandboxLimits, int judgeThreads, String label, Path baselineSummary) {

    /** the study's settings: seeds 42/43/44, T=0.6, top-p 0.95, 32768 tokens, LCB v4_v5, 6 s per test */
    public static EvalJob study(List<String> benchmarks, int limit, Path outDir) {
        return new EvalJob(benchmarks, List.of(42L, 43L, 44L), limit, outDir, GenerationSettings.studyDefaults(),
                LcbSubset.v4v5(), SandboxLimits.lcbDefaults(), Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
                null, null);
    }

    /** runs with the study's scorers */
    public RunSummary run(CompletionEngine engine, PrintStream log) {
        return run(engine, new StudyScorers(), log);
    }

    public RunSummary run(CompletionEngine engine, StudyScoring scoring, PrintStream log) {
        List<Benchmark> loaded = new ArrayList<>();
        for (String id : benchmarks) loaded.add(Benchmarks.load(id, scoring, lcbSubset, sandboxLimits));
        EvalRunner.Config config = new EvalRunner.Config(loaded, seeds, limit, outDir, generation, judgeThreads, label);
        RunSummary summary = new EvalRunner(config, engine).log(log, true).run();
        if (baselineSummary != null) RunReport.write(outDir, summary, RunReport.read(baselineSummary));
        return summary;
    }
}
