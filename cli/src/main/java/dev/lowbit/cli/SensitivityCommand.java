package dev.lowbit.cli;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.GenerationSettings;
import dev.lowbit.eval.catalogue.Benchmarks;
import dev.lowbit.eval.report.RunSummary;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.quality.QualityRow;
import dev.lowbit.quality.Sensitivity;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.util.AtomicFiles;
import dev.lowbit.util.OutputLock;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `lowbit sensitivity`: KL of quantizing one layer / kind / matrix alone, a heatmap, and the cheapest mixed plan under a KL budget. */
@Command(name = "sensitivity", mixinStandardHelpOptions = true,
        description = "Quantize one layer, one matrix kind and one matrix at a time; KL and top-1 against w16, a heatmap, "
                + "and the cheapest mixed plan within a KL budget.")
final class SensitivityCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--plan", required = true, description = "the plan to study, e.g. w3a16-g128 or w4a4kv4 (its KV part is carried "
            + "by every candidate and also measured alone)")
    String plan;

    @Option(names = "--keep", description = "format of the matrices a mixed plan keeps (default ${DEFAULT-VALUE})")
    String keep = "w16";

    @Option(names = "--text", required = true, description = "UTF-8 text the KL is measured on")
    Path text;

    @Option(names = "--window", description = "tokens per window (default ${DEFAULT-VALUE})")
    int window = 256;

    @Option(names = "--kl-budget", description = "mean KL the suggested mixed plan must stay within (default: half the uniform plan's; "
            + "with a KV part, the KV-only KL plus half of what the weights add to it)")
    double budget = Double.NaN;

    @Option(names = "--out", required = true, description = "directory for sensitivity.md, sensitivity.csv and heatmap.png")
    Path out;

    @Option(names = "--bench", description = "also measure accuracy on these benchmarks (w16, the uniform plan, each layer, each kind, "
            + "each candidate; records under OUT/accuracy/PLAN, resumable)")
    String bench;

    @Option(names = "--acc-budget", description = "points of accuracy below w16 the suggested mixed plan may lose (needs --bench; "
            + "replaces the KL budget)")
    double accBudget = Double.NaN;

    @Mixin RunOptions run;

    @Override
    public Integer call() throws Exception {
        model.validate();
        QuantPlan p = QuantPlan.parse(plan), k = QuantPlan.parse(keep);
        // the plan splits into its weight part (quantized unit by unit) and its run-time KV part (carried by every candidate)
        String kv = p.weights() == null ? null : p.kvPart();
        if (p.weights() == null || !p.overrides().isEmpty() || p.kvStaticK()
                || !p.sameAs(QuantPlan.parse(p.weightPart() + (kv == null ? "" : "+" + kv))))
            throw new IllegalArgumentException("--plan must be a uniform weight plan, optionally with a per-token KV part (e.g. w3a16-g128, "
                    + "w4a4kv4, w8a8kv8), got " + plan);
        if (!k.overrides().isEmpty() || k.kvPart() != null || !k.sameAs(QuantPlan.parse(k.weightPart())))
            throw new IllegalArgumentException("--keep must be a weight format (w16, w4a16-g128, w8a8), got " + keep);
        if (!Files.isRegularFile(text)) throw new IllegalArgumentException("--text " + text + ": no such file");
        if (window < 8) throw new IllegalArgumentException("--window must be >= 8");
        if (!Double.isNaN(budget) && !(budget > 0)) throw new IllegalArgumentException("--kl-budget must be positive");
        if (!Double.isNaN(accBudget) && (bench == null || !(accBudget >= 0)))
            throw new IllegalArgumentException("--acc-budget needs --bench and a drop of 0 or more points");
        if (!Double.isNaN(accBudget) && !Double.isNaN(budget)) throw new IllegalArgumentException("--acc-budget and --kl-budget exclude each other");
        OutputChecks.checkOut(out, "--out");
        Sensitivity.Accuracy accuracy = bench == null ? null : accuracy();
        Path file = model.resolve();
        int layers;
        long[] perKind;
        try (GgufFile f = GgufFile.open(file)) {
            ModelConfig c = ModelConfig.from(f);
            layers = c.nLayer();
            long d = c.nEmbd();
            perKind = new long[] {c.qDim() * d, c.kvDim() * d, c.kvDim() * d, d * c.qDim(), c.nFf() * d, c.nFf() * d, d * c.nFf()};
        }
        String content = Files.readString(text, StandardCharsets.UTF_8);
        try (OutputLock lock = OutputLock.acquire(out, "--out")) {
            Sensitivity.Result r = Sensitivity.run(file, model.options(QuantPlan.W16, 1), p.weightPart(), kv, k.name(), content, window, layers,
                    perKind, budget,
                    accuracy, accBudget, msg -> System.err.print("\r" + msg + "          "));
            System.err.println();
            String md = markdown(file, r);
            AtomicFiles.writeString(out.resolve("sensitivity.md"), md);
            AtomicFiles.writeString(out.resolve("sensitivity.csv"), csv(r));
            heatmap(r, layers, out.resolve("heatmap.png"));
            System.out.print(md);
        }
        return 0;
    }

    /** a plan's accuracy: mean over the benchmarks and seeds of an eval run under OUT/accuracy/PLAN (resumed when there) */
    private Sensitivity.Accuracy accuracy() throws java.io.IOException {
        GenerationSettings gen = run.generation(model.displayName());
        List<Long> seeds = Benchmarks.parseSeeds(run.seeds);
        List<Benchmark> benches = EvalCommand.loadBenchmarks(bench);
        return plan -> {
            Path dir = out.resolve("accuracy").resolve(directoryName(plan));
            try (LowbitModel m = model.load(QuantPlan.parse(plan), run.batch)) {
                RunSummary s = EvalCommand.run(m, model.resolve().getFileName() + " " + plan, benches, seeds, run.limit, gen, dir);
                return s.accuracy().values().stream().flatMap(bySeed -> bySeed.values().stream()).mapToDouble(Double::doubleValue)
                        .average().orElse(Double.NaN);
            }
        };
    }

    /** a plan as a directory name: long mixed plans are cut and told apart by a hash of the whole plan */
    static String directoryName(String plan) {
        String safe = plan.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.length() <= 80) return safe;
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(plan.getBytes(StandardCharsets.UTF_8));
            return safe.substring(0, 60) + "-" + java.util.HexFormat.of().formatHex(h, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String markdown(Path file, Sensitivity.Result r) {
        StringBuilder sb = new StringBuilder("# Sensitivity of " + file.getFileName() + " to " + r.plan() + "\n\n");
        sb.append("KL(w16 || plan) per token over ").append(text.getFileName()).append(" (windows of ").append(window)
                .append(" tokens); everything not named stays as loaded.");
        if (r.kv() != null) sb.append(" Every row carries the KV part `").append(r.kv()).append("` (the cache at run time); the units quantize ")
                .append(r.weights()).append(" weights one at a time.");
        sb.append("\n\n");
        if (r.kvOnly() != null)
            sb.append(String.format(Locale.ROOT, "KV only (`w16+%s`): KL %.5f, KL p99 %.5f, top-1 %.2f%%; uniform `%s`: KL %.5f.%n%n", r.kv(),
                    r.kvOnly().kldMean(), r.kvOnly().kldP99(), 100 * r.kvOnly().top1Agreement(), r.plan(), r.uniform().kldMean()));
        boolean acc = !Double.isNaN(r.baseAccuracy());
        if (acc) sb.append(String.format(Locale.ROOT, "Accuracy on %s (mean over seeds %s): w16 %.1f%%, uniform %s %.1f%%.%n%n", bench, run.seeds,
                r.baseAccuracy(), r.plan(), r.uniformAccuracy()));
        String head = acc ? " | KL mean | KL p99 | top-1 | accuracy |\n" : " | KL mean | KL p99 | top-1 |\n";
        String rule = acc ? "---:|---:|---:|---:|\n" : "---:|---:|---:|\n";
        sb.append("## One layer at a time\n\n| Layer").append(head).append("|---:|").append(rule);
        for (Sensitivity.Unit u : r.layers()) sb.append(row(String.valueOf(u.layer()), u.quality(), u.accuracy()));
        sb.append("\n## One matrix kind at a time (all layers)\n\n| Matrix").append(head).append("|---|").append(rule);
        for (Sensitivity.Unit u : r.kinds()) sb.append(row(u.kind(), u.quality(), u.accuracy()));
        sb.append("\n## One matrix at a time (KL mean ×1000)\n\n| Layer |");
        for (String kd : QuantPlan.MATRICES) sb.append(' ').append(kd).append(" |");
        sb.append("\n|---:|").append("---:|".repeat(QuantPlan.MATRICES.size())).append('\n');
        for (Sensitivity.Unit l : r.layers()) {
            sb.append("| ").append(l.layer()).append(" |");
            for (Sensitivity.Unit u : r.matrices())
                if (u.layer() == l.layer()) sb.append(String.format(Locale.ROOT, " %.2f |", 1000 * u.quality().kldMean()));
            sb.append('\n');
        }
        sb.append("\n![heatmap](heatmap.png)\n\n## Cheapest mixed plan within ")
                .append(r.accuracyBudget() ? String.format(Locale.ROOT, "accuracy >= %.1f%%", r.budget()) : String.format(Locale.ROOT, "KL %.5f", r.budget()))
                .append("\n\nUniform ").append(r.plan()).append(String.format(Locale.ROOT, ": KL %.5f, top-1 %.2f%%, %.3f bits/weight.\n\n",
                        r.uniform().kldMean(), 100 * r.uniform().top1Agreement(), r.uniform().bitsPerWeight()));
        sb.append("| Matrices kept | KL mean | top-1 | accuracy | bits/weight | plan |\n|---:|---:|---:|---:|---:|---|\n");
        for (Sensitivity.Candidate c : r.tried())
            sb.append(String.format(Locale.ROOT, "| %d | %.5f | %.2f%% | %s | %.3f | `%s` |\n", c.kept(), c.quality().kldMean(),
                    100 * c.quality().top1Agreement(), percent(c.accuracy()), c.quality().bitsPerWeight(), c.plan()));
        sb.append('\n');
        if (r.chosen() == null) sb.append("No mixed plan keeping ").append(keep).append(" matrices meets the budget.\n");
        else sb.append(String.format(Locale.ROOT, "Suggested: `%s` (%d matrices kept, KL %.5f%s, %+.3f bits/weight over the uniform plan).\n",
                r.chosen().plan(), r.chosen().kept(), r.chosen().quality().kldMean(),
                Double.isNaN(r.chosen().accuracy()) ? "" : ", accuracy " + percent(r.chosen().accuracy()),
                r.chosen().quality().bitsPerWeight() - r.uniform().bitsPerWeight()));
        return sb.toString();
    }

    private static String row(String name, QualityRow q, double accuracy) {
        return String.format(Locale.ROOT, "| %s | %.5f | %.5f | %.2f%% |%s\n", name, q.kldMean(), q.kldP99(), 100 * q.top1Agreement(),
                Double.isNaN(accuracy) ? "" : " " + percent(accuracy) + " |");
    }

    private static String percent(double accuracy) {
        return Double.isNaN(accuracy) ? "-" : String.format(Locale.ROOT, "%.1f%%", accuracy);
    }

    private static String csv(Sensitivity.Result r) {
        StringBuilder sb = new StringBuilder("scope,layer,matrix,kl_mean,kl_p99,top1,ppl,bits_per_weight,accuracy\n");
        List<Sensitivity.Unit> all = new ArrayList<>();
        all.addAll(r.layers());
        all.addAll(r.kinds());
        all.addAll(r.matrices());
        if (r.kvOnly() != null) all.add(new Sensitivity.Unit(-1, null, r.kvOnly(), Double.NaN));
        for (Sensitivity.Unit u : all) {
            String scope = u.kind() == null ? u.layer() < 0 ? "kv_only" : "layer" : u.layer() < 0 ? "kind" : "matrix";
            QualityRow q = u.quality();
            sb.append(String.format(Locale.ROOT, "%s,%s,%s,%s,%s,%s,%s,%s,%s\n", scope, u.layer() < 0 ? "" : u.layer(),
                    u.kind() == null ? "" : u.kind(), q.kldMean(), q.kldP99(), q.top1Agreement(), q.ppl(), q.bitsPerWeight(),
                    Double.isNaN(u.accuracy()) ? "" : u.accuracy()));
        }
        return sb.toString();
    }

    /** layers down, matrix kinds across, colour = KL of quantizing that matrix alone */
    private static void heatmap(Sensitivity.Result r, int layers, Path png) throws java.io.IOException {
        HeatMapChart chart = new HeatMapChartBuilder().width(900).height(120 + 40 * layers)
                .title("KL(w16 || one matrix at " + r.weights() + (r.kv() == null ? "" : ", all with " + r.kv()) + ")").xAxisTitle("matrix").yAxisTitle("layer").build();
        chart.getStyler().setRangeColors(new Color[] {new Color(255, 255, 255), new Color(255, 190, 120), new Color(200, 30, 30)});
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapValueDecimalPattern("0.0000");
        List<Number[]> cells = new ArrayList<>();
        for (Sensitivity.Unit u : r.matrices())
            cells.add(new Number[] {QuantPlan.MATRICES.indexOf(u.kind()), u.layer(), u.quality().kldMean()});
        chart.addSeries("KL", QuantPlan.MATRICES, IntStream.range(0, layers).boxed().toList(), cells);
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
        BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
