package dev.lowbit.eval.report;

import dev.lowbit.eval.catalogue.Benchmarks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A sweep's report: report.md (the study table when plans were evaluated, a plan table with
 * bits per weight, output length, decode speed, perplexity and KL) and PNG plots: accuracy vs
 * bits per weight, output length per plan, accuracy vs decode tokens/s, and perplexity/KL vs
 * bits per weight when measured. Plots are drawn headless with XChart.
 */
public final class SweepReport {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    public static final String ACCURACY_VS_BITS = "accuracy_vs_bits.png";
    public static final String OUTPUT_LENGTH = "output_length.png";
    public static final String ACCURACY_VS_SPEED = "accuracy_vs_speed.png";
    public static final String PPL_VS_BITS = "ppl_vs_bits.png";
    public static final String KL_VS_BITS = "kl_vs_bits.png";

    private SweepReport() {}

    /**
     * Writes report.md and the plots into dir; baseline is the index of the reference plan
     * (Drop is measured against it), or -1. Returns the files written.
     */
    public static List<Path> write(Path dir, String title, String notes, List<PlanSummary> plans, int baseline) {
        if (plans.isEmpty()) throw new IllegalArgumentException("no plans to report");
        List<Path> written = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            List<String> images = new ArrayList<>();
            boolean accuracy = plans.stream().anyMatch(p -> p.accuracy().containsKey("avg"));
            if (accuracy) {
                images.add(save(dir, ACCURACY_VS_BITS, accuracyVsBits(plans), written));
                images.add(save(dir, ACCURACY_VS_SPEED, accuracyVsSpeed(plans), written));
            }
            if (plans.stream().anyMatch(p -> !Double.isNaN(p.meanOutputTokens()))) {
                images.add(save(dir, OUTPUT_LENGTH, outputLength(plans), written));
            }
            if (plans.stream().anyMatch(p -> p.ppl() != null)) {
                images.add(save(dir, PPL_VS_BITS, metricVsBits(plans, true), written));
            }
            if (plans.stream().anyMatch(p -> p.kl() != null)) {
                images.add(save(dir, KL_VS_BITS, metricVsBits(plans, false), written));
            }
            Path md = dir.resolve("report.md");
            Files.writeString(md, markdown(title, notes, plans, baseline, accuracy, images), StandardCharsets.UTF_8);
            written.add(0, md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sweep report into " + dir, e);
        }
        return written;
    }

    static String markdown(String title, String notes, List<PlanSummary> plans, int baseline, boolean accuracy, List<String> images) {
        StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
        if (notes != null && !notes.isBlank()) sb.append(notes.strip()).append("\n\n");
        List<StudyTable.Row> rows = new ArrayList<>();
        int base = -1;
        for (int i = 0; i < plans.size(); i++) {
            PlanSummary p = plans.get(i);
            if (p.run() == null) continue;
            if (i == baseline) base = rows.size();
            rows.add(new StudyTable.Row(p.plan(), p.wakv(), p.run()));
        }
        if (!rows.isEmpty()) {
            sb.append("## Accuracy (%, mean±std over seeds)\n\n").append(StudyTable.markdown(rows, base)).append('\n');
            sb.append("## Output length and speed\n\n").append(StudyTable.lengthMarkdown(rows)).append('\n');
            String byLevel = StudyTable.levelMarkdown(rows);
            if (!byLevel.isEmpty()) sb.append("## By difficulty level\n\n").append(byLevel);
        } else if (!accuracy) {
            sb.append("No plan was evaluated on a benchmark: the table shows perplexity, KL and speed only.\n\n");
        }
        sb.append("## Plans\n\n| Plan | W-A-KV | Bits/weight | Avg. acc (%) | Mean output tokens | Decode tok/s | PPL | KL |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (PlanSummary p : plans) {
            Double avg = p.accuracy().get("avg");
            sb.append("| ").append(p.plan()).append(" | ").append(p.wakv()).append(" | ")
                    .append(fmt("%.2f", p.bitsPerWeight())).append(" | ")
                    .append(avg == null ? "-" : fmt("%.1f", avg)).append(" | ")
                    .append(fmt("%.0f", p.meanOutputTokens())).append(" | ")
                    .append(fmt("%.1f", p.decodeTokensPerSecond())).append(" | ")
                    .append(p.ppl() == null ? "-" : fmt("%.4f", p.ppl())).append(" | ")
                    .append(p.kl() == null ? "-" : fmt("%.5f", p.kl())).append(" |\n");
        }
        sb.append('\n');
        for (String img : images) sb.append("![").append(img.replace(".png", "").replace('_', ' ')).append("](").append(img).append(")\n\n");
        return sb.toString();
    }

    private static String fmt(String f, double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, f, v);
    }

    private static String save(Path dir, String name, Chart<?, ?> chart, List<Path> written) throws IOException {
        Path f = dir.resolve(name);
        BitmapEncoder.saveBitmap(chart, f.toString(), BitmapEncoder.BitmapFormat.PNG);
        written.add(f);
        return name;
    }

    private static List<String> accuracyColumns(List<PlanSummary> plans) {
        Set<String> cols = new LinkedHashSet<>();
        for (PlanSummary p : plans) cols.addAll(p.accuracy().keySet());
        cols.remove("avg");
        List<String> out = new ArrayList<>(cols);
        out.add("avg");
        return out;
    }

    private static String columnName(String c) {
        return c.equals("avg") ? "Avg." : Benchmarks.displayName(c);
    }

    static XYChart accuracyVsBits(List<PlanSummary> plans) {
        XYChart chart = new XYChartBuilder().width(900).height(600).title("Accuracy vs bits per weight")
                .xAxisTitle("bits per weight").yAxisTitle("accuracy (%)").build();
        style(chart);
        List<PlanSummary> sorted = plans.stream().filter(p -> !p.accuracy().isEmpty())
                .sorted(Comparator.comparingDouble(PlanSummary::bitsPerWeight)).toList();
        for (String c : accuracyColumns(sorted)) {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (PlanSummary p : sorted) {
                Double a = p.accuracy().get(c);
                if (a != null && !a.isNaN()) {
                    xs.add(p.bitsPerWeight());
                    ys.add(a);
                }
            }
            if (xs.isEmpty()) continue;
            XYSeries s = chart.addSeries(columnName(c), xs, ys);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        }
        return chart;
    }

    static XYChart accuracyVsSpeed(List<PlanSummary> plans) {
        XYChart chart = new XYChartBuilder().width(900).height(600).title("Avg. accuracy vs decode speed")
                .xAxisTitle("decode tokens/s").yAxisTitle("Avg. accuracy (%)").build();
        style(chart);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(12);
        for (PlanSummary p : plans) {
            Double a = p.accuracy().get("avg");
            if (a == null || a.isNaN() || Double.isNaN(p.decodeTokensPerSecond())) continue;
            chart.addSeries(p.plan(), new double[] {p.decodeTokensPerSecond()}, new double[] {a});
        }
        return chart;
    }

    static CategoryChart outputLength(List<PlanSummary> plans) {
        CategoryChart chart = new CategoryChartBuilder().width(900).height(600).title("Mean output length per plan")
                .xAxisTitle("plan").yAxisTitle("output tokens").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        List<String> names = new ArrayList<>();
        List<Double> lens = new ArrayList<>();
        for (PlanSummary p : plans) {
            if (Double.isNaN(p.meanOutputTokens())) continue;
            names.add(p.plan());
            lens.add(p.meanOutputTokens());
        }
        chart.addSeries("mean output tokens", names, lens);
        return chart;
    }

    static XYChart metricVsBits(List<PlanSummary> plans, boolean ppl) {
        String what = ppl ? "perplexity" : "KL divergence to baseline";
        XYChart chart = new XYChartBuilder().width(900).height(600).title(capitalize(what) + " vs bits per weight")
                .xAxisTitle("bits per weight").yAxisTitle(what).build();
        style(chart);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(12);
        for (PlanSummary p : plans) {
            Double v = ppl ? p.ppl() : p.kl();
            if (v == null || v.isNaN()) continue;
            chart.addSeries(p.plan(), new double[] {p.bitsPerWeight()}, new double[] {v});
        }
        return chart;
    }

    private static void style(XYChart chart) {
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
