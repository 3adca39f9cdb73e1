package dev.lowbit.eval.report;

import dev.lowbit.eval.catalogue.Benchmarks;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The study's result table (reference §1.6, §2): per benchmark "mean±std" over seeds (std with
 * ddof=1), AIME-120 = 0.75·AIME-90 + 0.25·AIME-2025 per seed, Avg. = per-seed mean over the
 * columns then mean±std over seeds, Drop = Avg(run) − Avg(baseline) from unrounded values.
 *
 * <p>Columns are the benchmarks present: AIME-120 replaces AIME-90 and AIME-2025 when both are
 * there; the order follows the study (AIME-120, MATH-500, GSM8K, GPQA-Diamond,
 * LiveCodeBench), with AIME-2024 and AMC23 after the AIME columns. With the study's five
 * benchmarks the Avg. is exactly the study's; with fewer it averages the columns shown.
 */
public final class StudyTable {
    private StudyTable() {}

    public static final String AIME120 = "aime120";
    private static final List<String> ORDER = List.of(AIME120, "aime90", "aime25", "aime24", "amc23", "math500", "gsm8k", "gpqa", "lcb", "testbed");

    /** one table row: a run with its method name and W-A-KV bits label */
    public record Row(String method, String wakv, RunSummary summary) {}

    /** mean and std over seeds of one column (std NaN with a single seed) */
    public record Cell(double mean, double std, int seeds) {
        public String format() {
            if (seeds == 0) return "-";
            if (seeds == 1 || Double.isNaN(std)) return String.format(Locale.ROOT, "%.1f", mean);
            return String.format(Locale.ROOT, "%.1f±%.1f", mean, std);
        }
    }

    /** the columns of one run */
    public static List<String> columns(RunSummary s) {
        return columns(List.of(new Row("", "", s)));
    }

    /** the union of the rows' columns, in the study's order */
    public static List<String> columns(List<Row> rows) {
        Set<String> present = new LinkedHashSet<>();
        for (Row r : rows) present.addAll(r.summary().accuracy().keySet());
        boolean aime120 = present.contains("aime90") && present.contains("aime25");
        List<String> out = new ArrayList<>();
        for (String c : ORDER) {
            if (c.equals(AIME120)) {
                if (aime120) out.add(c);
            } else if (present.contains(c) && !(aime120 && (c.equals("aime90") || c.equals("aime25")))) {
                out.add(c);
            }
        }
        for (String c : present) if (!ORDER.contains(c)) out.add(c);
        return out;
    }

    public static Cell cell(Map<Long, Double> perSeed) {
        return new Cell(Stats.mean(perSeed.values()), Stats.std(perSeed.values()), perSeed.size());
    }

    /** Avg. per seed: the mean over `columns` for every seed that all columns have */
    public static Map<Long, Double> avgPerSeed(RunSummary s, List<String> columns) {
        Map<Long, Double> out = new TreeMap<>();
        if (columns.isEmpty()) return out;
        Set<Long> seeds = null;
        for (String c : columns) {
            Set<Long> have = s.perSeed(c).keySet();
            if (seeds == null) seeds = new java.util.TreeSet<>(have);
            else seeds.retainAll(have);
        }
        for (long seed : seeds) {
            double sum = 0;
            for (String c : columns) sum += s.perSeed(c).get(seed);
            out.put(seed, sum / columns.size());
        }
        return out;
    }

    /** Avg(run) − Avg(baseline) over the same columns, unrounded; NaN when either is missing */
    public static double drop(RunSummary run, RunSummary baseline, List<String> columns) {
        return cell(avgPerSeed(run, columns)).mean() - cell(avgPerSeed(baseline, columns)).mean();
    }

    /** the study's table; baseline is the row index Drop is measured against, or -1 for none */
    public static String markdown(List<Row> rows, int baseline) {
        List<String> cols = columns(rows);
        StringBuilder sb = new StringBuilder("| Method | W-A-KV |");
        for (String c : cols) sb.append(' ').append(Benchmarks.displayName(c)).append(" |");
        sb.append(" Avg. | Drop | Label |\n|---|---|");
        sb.append("---:|".repeat(cols.size() + 2)).append("---|\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append("| ").append(r.method()).append(" | ").append(r.wakv()).append(" |");
            for (String c : cols) sb.append(' ').append(cell(r.summary().perSeed(c)).format()).append(" |");
            Cell avg = cell(avgPerSeed(r.summary(), cols));
            double d = baseline < 0 || i == baseline ? Double.NaN : drop(r.summary(), rows.get(baseline).summary(), cols);
            sb.append(' ').append(avg.format()).append(" | ").append(Double.isNaN(d) ? "-" : String.format(Locale.ROOT, "%.1f", d))
                    .append(" | ").append(label(d)).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * the study's reading of a drop in average accuracy points: lossless (at most 1 point lost), fair
     * (1 to 3), risky (3 or more); "-" without a baseline
     */
    public static String label(double drop) {
        if (Double.isNaN(drop)) return "-";
        double lost = -drop;
        return lost <= 1 ? "lossless" : lost < 3 ? "fair" : "risky";
    }

    /** the same numbers unrounded, one row per run: method, w_a_kv, per column mean and std, avg, drop */
    public static String csv(List<Row> rows, int baseline) {
        List<String> cols = columns(rows);
        StringBuilder sb = new StringBuilder("method,w_a_kv");
        for (String c : cols) sb.append(',').append(c).append("_mean,").append(c).append("_std");
        sb.append(",avg_mean,avg_std,drop,label,seeds\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            sb.append(csvField(r.method())).append(',').append(csvField(r.wakv()));
            for (String c : cols) {
                Cell cell = cell(r.summary().perSeed(c));
                sb.append(',').append(num(cell.mean())).append(',').append(num(cell.std()));
            }
            Cell avg = cell(avgPerSeed(r.summary(), cols));
            double d = baseline < 0 || i == baseline ? Double.NaN : drop(r.summary(), rows.get(baseline).summary(), cols);
            sb.append(',').append(num(avg.mean())).append(',').append(num(avg.std())).append(',').append(num(d))
                    .append(',').append(Double.isNaN(d) ? "" : label(d)).append(',').append(avg.seeds()).append('\n');
        }
        return sb.toString();
    }

    /** output length (mean tokens and mean "\n\n" steps) per benchmark, and generation speed per sequence (output tokens / generation seconds) */
    public static String lengthMarkdown(List<Row> rows) {
        Set<String> benches = new LinkedHashSet<>();
        for (String c : ORDER) for (Row r : rows) if (r.summary().meanOutputTokens().containsKey(c)) benches.add(c);
        for (Row r : rows) benches.addAll(r.summary().meanOutputTokens().keySet());
        StringBuilder sb = new StringBuilder("| Method |");
        for (String b : benches) sb.append(' ').append(Benchmarks.displayName(b)).append(" tokens (steps) |");
        sb.append(" All tokens | Tok/s per sequence |\n|---|").append("---:|".repeat(benches.size() + 2)).append('\n');
        for (Row r : rows) {
            RunSummary s = r.summary();
            sb.append("| ").append(r.method()).append(" |");
            for (String b : benches) {
                Double t = s.meanOutputTokens().get(b), st = s.meanSteps().get(b);
                sb.append(t == null ? " - |" : String.format(Locale.ROOT, " %.0f (%.1f) |", t, st));
            }
            sb.append(String.format(Locale.ROOT, " %.0f | %s |\n", s.meanOutputTokensOverall(),
                    Double.isNaN(s.tokensPerSecond()) ? "-" : String.format(Locale.ROOT, "%.1f", s.tokensPerSecond())));
        }
        return sb.toString();
    }

    /**
     * accuracy (mean±std over seeds) and mean output tokens per difficulty level, one table per
     * benchmark that grades its problems; empty when none does
     */
    public static String levelMarkdown(List<Row> rows) {
        Map<String, Set<Integer>> levels = new java.util.TreeMap<>();
        for (Row r : rows)
            r.summary().levelAccuracy().forEach((b, m) -> levels.computeIfAbsent(b, k -> new java.util.TreeSet<>()).addAll(m.keySet()));
        StringBuilder sb = new StringBuilder();
        levels.forEach((bench, ls) -> {
            sb.append("### ").append(Benchmarks.displayName(bench)).append(": accuracy % (mean output tokens) by level\n\n| Method |");
            for (int l : ls) sb.append(" Level ").append(l).append(" |");
            sb.append("\n|---|").append("---:|".repeat(ls.size())).append('\n');
            for (Row r : rows) {
                Map<Integer, Map<Long, Double>> acc = r.summary().levelAccuracy().getOrDefault(bench, Map.of());
                Map<Integer, Double> tok = r.summary().levelOutputTokens().getOrDefault(bench, Map.of());
                sb.append("| ").append(r.method()).append(" |");
                for (int l : ls) {
                    Map<Long, Double> perSeed = acc.get(l);
                    sb.append(perSeed == null ? " - |" : " " + cell(perSeed).format()
                            + String.format(Locale.ROOT, " (%.0f) |", tok.getOrDefault(l, Double.NaN)));
                }
                sb.append('\n');
            }
            sb.append('\n');
        });
        return sb.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
