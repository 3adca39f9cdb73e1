package dev.lowbit.cli;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.catalogue.Benchmarks;
import dev.lowbit.eval.GenerationSettings;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.report.PlanSummary;
import dev.lowbit.eval.report.ScalingReport;
import dev.lowbit.eval.report.RunSummary;
import dev.lowbit.eval.report.SweepReport;
import dev.lowbit.generate.BudgetForcing;
import dev.lowbit.generate.ChatTemplate;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.GenerationStats;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.quality.QualityMeter;
import dev.lowbit.quality.QualityRow;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.quant.NativeTypeGguf;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantizedGguf;
import dev.lowbit.util.AtomicFiles;
import dev.lowbit.util.OutputLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `lowbit sweep`: the grid of plans for one model — perplexity/KL versus the first plan, decode
 * speed, and (with --bench) the benchmark accuracy table — written as one report with plots.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Evaluate several quantization plans of one model and write one report (Markdown + PNG plots).")
final class SweepCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Mixin RunOptions run;

    @Option(names = "--plans", description = "plans; the first is the baseline (default ${DEFAULT-VALUE})")
    String plans = "w16,w8a8kv8,w4a16-g128,w3a16-g128,kv4,kv3";

    @Option(names = "--models", split = ",", description = "quantized files of the same model (lowbit quantize: GPTQ, AWQ, QuaRot, ...) "
            + "compared after the plans, each row named by its method and plan as the study's tables name them (e.g. 'GPTQ w3a16-g128')")
    List<Path> models = List.of();

    @Option(names = "--bench", description = "benchmarks to run per plan (none: perplexity and speed only)")
    String bench;

    @Option(names = "--ppl-text", description = "text for perplexity/KL (default: a text the baseline writes itself)")
    Path pplText;

    @Option(names = "--window", description = "perplexity window in tokens (default ${DEFAULT-VALUE})")
    int window = 256;

    @Option(names = "--out", required = true, description = "report directory")
    Path out;

    @Option(names = "--think-budgets", split = ",", description = "also run every plan under these thinking budgets (budget forcing) "
            + "and plot accuracy against thinking tokens, e.g. 64,128,256 (needs --bench)")
    List<Integer> thinkBudgets = List.of();

    @Override
    public Integer call() throws Exception {
        // every argument is checked before the first perplexity pass (minutes of work)
        List<QuantPlan> grid = new ArrayList<>();
        for (String p : plans.split(",")) if (!p.isBlank()) grid.add(QuantPlan.parse(p));
        if (grid.isEmpty()) throw new IllegalArgumentException("--plans is empty: name at least one plan, e.g. w16,w4a16-g128");
        OutputChecks.checkOut(out, "--out");
        if (window < 8) throw new IllegalArgumentException("--window must be >= 8, got " + window);
        if (pplText != null && !Files.isRegularFile(pplText)) throw new IllegalArgumentException("--ppl-text " + pplText + ": no such file");
        for (Path f : models) if (!Files.isRegularFile(f)) throw new IllegalArgumentException("--models " + f + ": no such file");
        run.validate();
        model.validate();
        GenerationSettings gen = run.generation(model.displayName());
        List<Long> seeds = Benchmarks.parseSeeds(run.seeds);
        List<Benchmark> benches = bench == null ? null : EvalCommand.loadBenchmarks(bench);
        if (!thinkBudgets.isEmpty() && benches == null) throw new IllegalArgumentException("--think-budgets needs --bench");
        for (int b : thinkBudgets) if (b < 1) throw new IllegalArgumentException("--think-budgets must be positive, got " + b);
        Path file = model.resolve();
        try (OutputLock lock = OutputLock.acquire(out, "--out")) {
            return sweep(grid, file, gen, seeds, benches);
        }
    }

    private Integer sweep(List<QuantPlan> grid, Path file, GenerationSettings gen, List<Long> seeds, List<Benchmark> benches) throws Exception {
        String text = pplText != null ? Files.readString(pplText, StandardCharsets.UTF_8) : selfWrittenText(grid.get(0), benches);

        System.err.println("lowbit sweep: perplexity / KL of " + (grid.size() + models.size()) + " plans and files");
        List<QualityMeter.Candidate> candidates = new ArrayList<>();
        for (QuantPlan plan : grid) candidates.add(new QualityMeter.Candidate(plan.name(), file, plan));
        for (Path f : models) candidates.add(new QualityMeter.Candidate(f.toString(), f, QuantPlan.W16));
        Map<String, QualityRow> quality = new HashMap<>();
        for (QualityRow r : QualityMeter.measure(file, model.options(grid.get(0), 1), grid.get(0), candidates, window, text,
                msg -> System.err.print("\r  " + msg + "      ")))
            quality.put(r.plan(), r);
        System.err.println();

        // the plans applied at load, then the quantized files under their recorded plans
        List<Row> work = new ArrayList<>();
        for (QuantPlan plan : grid) work.add(new Row(file, plan, plan.name()));
        for (Path f : models) work.add(new Row(f, QuantPlan.W16, f.toString()));
        List<PlanSummary> rows = new ArrayList<>();
        List<ScalingReport.Point> scaling = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Row w : work) {
            try (LowbitModel m = LowbitModel.load(w.file(), model.options(w.plan(), run.batch))) {
                QuantPlan plan = m.options().plan();
                String name = w.file().equals(file) ? plan.name() : rowName(w.file(), plan);
                if (!names.add(name)) name = name + " (" + w.file().getFileName() + ")";  // two files of one method and plan
                double bpw = QualityMeter.bitsPerWeight(m.internals().weights());
                double speed = decodeSpeed(m);
                System.err.printf("lowbit sweep: %s: %.2f bits/weight, decode %.1f tok/s%n", name, bpw, speed);
                QualityRow q = quality.get(w.qualityKey());
                Double ppl = q == null ? null : q.ppl();
                Double kl = q == null ? null : q.kldMean();
                if (benches != null) {
                    OutputChecks.checkContext(m, benches, seeds, run.limit);
                    String dir = name.replace(' ', '-');
                    RunSummary r = EvalCommand.run(m, file.getFileName() + " " + name, benches, seeds, run.limit, gen, out.resolve(dir));
                    rows.add(PlanSummary.fromRun(name, plan.wakv(), bpw, r, speed, ppl, kl));
                    for (int b : thinkBudgets) {
                        RunSummary rb = EvalCommand.run(m, file.getFileName() + " " + name + " think " + b, benches, seeds, run.limit,
                                gen.withBudget(new BudgetForcing(b, 0)), out.resolve(dir).resolve("think-" + b));
                        scaling.add(new ScalingReport.Point(name, b, rb));
                    }
                    if (!thinkBudgets.isEmpty()) scaling.add(new ScalingReport.Point(name, 0, r));
                } else {
                    rows.add(PlanSummary.ofPerplexity(name, plan.wakv(), bpw, speed, ppl, kl));
                }
            }
        }
        String notes = "Model: " + file.getFileName() + ". Perplexity/KL over " + (pplText != null ? pplText : "a text the baseline wrote")
                + " (windows of " + window + " tokens); decode speed: single stream, " + model.threads + " threads (0 = all cores)."
                + (bench == null ? "" : " Benchmarks: " + bench + ", seeds " + run.seeds + (run.limit > 0 ? ", first " + run.limit + " problems" : "") + ".");
        List<Path> files = new ArrayList<>(SweepReport.write(out, "lowbit sweep", notes, rows, 0));
        if (!scaling.isEmpty()) {  // budget 0 = unforced, listed last per plan
            ScalingReport.plot(scaling, out.resolve(ScalingReport.PNG));
            AtomicFiles.writeString(out.resolve("report.md"), Files.readString(out.resolve("report.md")) + "\n" + ScalingReport.markdown(scaling));
            files.add(out.resolve(ScalingReport.PNG));
        }
        System.out.println(Files.readString(out.resolve("report.md")));
        System.err.println("lowbit sweep: wrote " + files);
        return 0;
    }

    /** one row of the sweep: a plan applied to the model at load, or a quantized file under its recorded plan */
    private record Row(Path file, QuantPlan plan, String qualityKey) {}

    /**
     * a quantized file's row as the study's tables name them: method, then plan or llama.cpp type ("GPTQ w3a16-g128",
     * "QuaRot w4a4-asym-aclip0.9+kv4-rot-clip0.95", "GPTQ q4_0"), from what lowbit quantize recorded; a file it did not write keeps its name
     */
    static String rowName(Path f, QuantPlan plan) throws java.io.IOException {
        try (GgufFile g = GgufFile.open(f)) {
            String method = g.getString(QuantizedGguf.METHOD, null);
            if (method == null) return f.getFileName().toString();
            String m = switch (method) {
                case "rtn" -> "RTN";
                case "gptq" -> "GPTQ";
                case "awq" -> "AWQ";
                case "smoothquant" -> "SmoothQuant";
                case "quarot" -> "QuaRot";
                case "flatquant" -> "FlatQuant";
                default -> method;
            };
            return m + " " + g.getString(NativeTypeGguf.FORMAT, plan.name());
        }
    }

    /** single-stream greedy decode speed over 64 tokens after a short prompt (one warm-up run first) */
    private static double decodeSpeed(LowbitModel m) {
        double best = 0;
        for (int rep = 0; rep < 2; rep++) {
            GenerationStats st = new GenerationStats();
            m.generateAll(List.of(new GenerationRequest(m.textPrompt("Once upon a time"), SamplerSettings.greedy(), 64, List.of(),
                    null)), null, st);
            best = st.outputTokensPerSecond();
        }
        return best;
    }

    /**
     * a text of a few thousand tokens sampled from the baseline itself (T=0.8, fixed seeds): its
     * reasoning on the first benchmark's first prompts for a chat model given --bench (what the
     * study's quantized models must reproduce), else a continuation of "Once upon a time"
     */
    private String selfWrittenText(QuantPlan base, List<Benchmark> benches) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (LowbitModel m = model.load(base, 6)) {
            List<String> prompts = new ArrayList<>();
            boolean chat = benches != null && m.chatTemplate() != ChatTemplate.RAW;
            if (chat) {
                Benchmark b = benches.get(0);
                for (Problem p : b.problems(0)) if (prompts.size() < 6) prompts.add(b.prompt(p));
            }
            while (prompts.size() < 6) prompts.add("Once upon a time");
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int s = 1; s <= 6; s++) {
                String p = prompts.get(s - 1);
                int[] ids = chat ? m.chatPrompt(p) : m.textPrompt(p);
                reqs.add(new GenerationRequest(ids, new SamplerSettings(0.8, 1.0, 0, s), Math.max(window + 8, 400), List.of(), null));
            }
            List<GenerationResult> done = m.generateAll(reqs, null, null);
            for (int i = 0; i < done.size(); i++)
                sb.append(chat ? m.chatTemplate().apply(m.options().systemPrompt(), prompts.get(i)) : prompts.get(i)).append(done.get(i).text()).append('\n');
        }
        AtomicFiles.writeString(out.resolve("ppl-text.txt"), sb);
        return sb.toString();
    }
}
