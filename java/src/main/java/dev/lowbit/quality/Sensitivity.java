package dev.lowbit.quality;

import dev.lowbit.api.LoadOptions;
import dev.lowbit.quant.QuantPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where a weight plan hurts: the KL divergence from the 16-bit model when one layer, one matrix
 * kind, or one matrix of one layer alone is quantized, and the cheapest mixed plan under a KL
 * budget. The search keeps the most sensitive matrices at the fallback format, in order of their
 * KL alone, and measures each candidate mixed plan (no additivity is assumed); it bisects on how
 * many matrices to keep, since keeping more never costs fewer bits. Given a benchmark
 * ({@link Accuracy}), accuracy is measured too for w16, the uniform plan, each layer and each kind
 * (not each matrix: one benchmark run per matrix is too dear) and each candidate, and the search may
 * take an accuracy budget instead of a KL one. A plan with a run-time KV part ("w4a4kv4" = weights "w4a4", KV "kv4-rot")
 * is split: the weight units are quantized one at a time as above while every candidate, the uniform plan included,
 * carries the KV part, and a "KV only" row (w16 + the KV part) shows how much of the uniform plan's KL is the cache's.
 */
public final class Sensitivity {
    private Sensitivity() {}

    /** one measurement: what was quantized (layer -1 = all layers, kind null = all kinds), its damage and accuracy (NaN: not measured) */
    public record Unit(int layer, String kind, QualityRow quality, double accuracy) {}

    /** a mixed plan the search measured (accuracy NaN: not measured) */
    public record Candidate(int kept, String plan, QualityRow quality, double accuracy) {}

    /**
     * budget: the KL a candidate must stay within, or with accuracyBudget the accuracy it must reach (in %); kv: the KV part
     * every candidate carries (null: none), kvOnly its row alone on the 16-bit weights (null without a KV part)
     */
    public record Result(String weights, String kv, List<Unit> layers, List<Unit> kinds, List<Unit> matrices, QualityRow uniform,
                         QualityRow kvOnly, double budget, List<Candidate> tried, Candidate chosen, double baseAccuracy,
                         double uniformAccuracy, boolean accuracyBudget) {
        /** the uniform plan as written: the weights and the KV part */
        public String plan() {
            return withKv(weights, kv);
        }
    }

    /** accuracy in % of a plan of the model on a benchmark (the CLI runs it through eval) */
    public interface Accuracy {
        double of(String plan) throws IOException;
    }

    /**
     * @param weights  the weight plan measured (e.g. "w3a16-g128")
     * @param fallback what kept matrices become (e.g. "w16", "w4a16-g128")
     * @param budget   mean KL the mixed plan must stay within; NaN = half of the uniform plan's (see {@link #defaultBudget})
     * @param weightsPerKind weights of one matrix of each kind (QuantPlan.MATRICES order)
     */
    public static Result run(Path model, LoadOptions opts, String weights, String fallback, String text, int window, int layers,
                             long[] weightsPerKind, double budget, Consumer<String> progress) throws IOException {
        return run(model, opts, weights, fallback, text, window, layers, weightsPerKind, budget, null, Double.NaN, progress);
    }

    /**
     * as above, with accuracy measured by {@code accuracy} (null: none); {@code maxDrop} (points below w16's accuracy,
     * NaN: not used) replaces the KL budget as the search's criterion
     */
    public static Result run(Path model, LoadOptions opts, String weights, String fallback, String text, int window, int layers,
                             long[] weightsPerKind, double budget, Accuracy accuracy, double maxDrop, Consumer<String> progress)
            throws IOException {
        return run(model, opts, weights, null, fallback, text, window, layers, weightsPerKind, budget, accuracy, maxDrop, progress);
    }

    /** as above, every candidate (units, uniform plan, mixed plans) carrying the run-time KV part {@code kv} (null: none) */
    public static Result run(Path model, LoadOptions opts, String weights, String kv, String fallback, String text, int window,
                             int layers, long[] weightsPerKind, double budget, Accuracy accuracy, double maxDrop,
                             Consumer<String> progress) throws IOException {
        if (!Double.isNaN(maxDrop) && accuracy == null) throw new IllegalArgumentException("an accuracy budget needs a benchmark");
        QuantPlan base = QuantPlan.parse("w16");
        List<String> kinds = QuantPlan.MATRICES;
        String w16 = withKv("w16", kv), uniformPlan = withKv(weights, kv);
        List<QualityMeter.Candidate> c = new ArrayList<>();
        for (int l = 0; l < layers; l++) c.add(candidate(model, w16 + "+l" + l + "=" + weights));
        for (String k : kinds) c.add(candidate(model, w16 + "+" + k + "=" + weights));
        for (int l = 0; l < layers; l++) for (String k : kinds) c.add(candidate(model, w16 + "+l" + l + "." + k + "=" + weights));
        c.add(candidate(model, uniformPlan));
        if (kv != null) c.add(candidate(model, w16));
        List<QualityRow> rows = QualityMeter.measure(model, opts, base, c, window, text, progress);
        List<Unit> byLayer = new ArrayList<>(), byKind = new ArrayList<>(), byMatrix = new ArrayList<>();
        int i = 0;
        for (int l = 0; l < layers; l++) byLayer.add(new Unit(l, null, rows.get(i), accuracy(accuracy, c.get(i++).label())));
        for (String k : kinds) byKind.add(new Unit(-1, k, rows.get(i), accuracy(accuracy, c.get(i++).label())));
        for (int l = 0; l < layers; l++) for (String k : kinds) byMatrix.add(new Unit(l, k, rows.get(i++), Double.NaN));
        QualityRow uniform = rows.get(i), kvOnly = kv == null ? null : rows.get(i + 1);
        double baseAcc = accuracy(accuracy, "w16"), uniformAcc = accuracy(accuracy, c.get(i).label());
        boolean byAccuracy = !Double.isNaN(maxDrop);
        double target = byAccuracy ? baseAcc - maxDrop : Double.isNaN(budget) ? defaultBudget(uniform, kvOnly) : budget;

        // keep the k matrices with the most KL per weight at the fallback; the smallest k within the budget, by bisection
        List<Unit> order = new ArrayList<>(byMatrix);
        order.sort(Comparator.comparingDouble((Unit u) -> u.quality().kldMean() / weightsPerKind[kinds.indexOf(u.kind())]).reversed());
        List<Candidate> tried = new ArrayList<>();
        int lo = 0, hi = order.size();  // k = hi keeps everything: the fallback plan itself
        Candidate best = null;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            Candidate m = measure(model, opts, base, uniformPlan, fallback, order.subList(0, mid), mid, window, text, accuracy, progress);
            tried.add(m);
            if (meets(m, target, byAccuracy)) {
                best = m;
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if (best == null || best.kept() != lo) {
            Candidate m = measure(model, opts, base, uniformPlan, fallback, order.subList(0, lo), lo, window, text, accuracy, progress);
            tried.add(m);
            if (meets(m, target, byAccuracy)) best = m;
        }
        return new Result(weights, kv, byLayer, byKind, byMatrix, uniform, kvOnly, target, tried, best, baseAcc, uniformAcc, byAccuracy);
    }

    private static String withKv(String plan, String kv) {
        return kv == null ? plan : plan + "+" + kv;
    }

    /**
     * half the uniform plan's KL; with a KV part, half of what the weights add to the cache's KL (every candidate carries
     * the cache, so no mixed plan goes below the KV-only row and half the uniform KL may be out of reach)
     */
    static double defaultBudget(QualityRow uniform, QualityRow kvOnly) {
        return kvOnly == null ? uniform.kldMean() / 2 : (kvOnly.kldMean() + uniform.kldMean()) / 2;
    }

    private static boolean meets(Candidate c, double target, boolean byAccuracy) {
        return byAccuracy ? c.accuracy() >= target : c.quality().kldMean() <= target;
    }

    private static double accuracy(Accuracy a, String plan) throws IOException {
        return a == null ? Double.NaN : a.of(plan);
    }

    /** the mixed plan keeping these matrices at the fallback: whole layers where all their kinds are kept */
    public static String mixedPlan(String weights, String fallback, List<Unit> kept) {
        StringBuilder sb = new StringBuilder(weights);
        java.util.Map<Integer, List<String>> byLayer = new java.util.TreeMap<>();
        for (Unit u : kept) byLayer.computeIfAbsent(u.layer(), k -> new ArrayList<>()).add(u.kind());
        byLayer.forEach((l, ks) -> {
            if (ks.size() == QuantPlan.MATRICES.size()) sb.append("+l").append(l).append('=').append(fallback);
            else for (String k : QuantPlan.MATRICES) if (ks.contains(k)) sb.append("+l").append(l).append('.').append(k).append('=').append(fallback);
        });
        return sb.toString();
    }

    private static Candidate measure(Path model, LoadOptions opts, QuantPlan base, String weights, String fallback, List<Unit> kept, int k,
                                     int window, String text, Accuracy accuracy, Consumer<String> progress) throws IOException {
        String plan = mixedPlan(weights, fallback, kept);
        QualityRow q = QualityMeter.measure(model, opts, base, List.of(candidate(model, plan)), window, text, progress).get(0);
        return new Candidate(k, plan, q, accuracy(accuracy, plan));
    }

    private static QualityMeter.Candidate candidate(Path model, String plan) {
        QuantPlan p = QuantPlan.parse(plan);
        return new QualityMeter.Candidate(p.name(), model, p);
    }
}
