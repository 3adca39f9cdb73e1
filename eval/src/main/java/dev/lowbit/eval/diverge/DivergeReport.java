package dev.lowbit.eval.diverge;

import dev.lowbit.util.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A diverge run's summary.md, its plots (KL by step position, first-divergence histogram) and one HTML view per problem. */
public final class DivergeReport {
    public static final String KL_PLOT = "kl_by_step.png", HIST_PLOT = "first_divergence.png", VIEWS = "view";

    private DivergeReport() {}

    /** writes everything from the records; returns the summary's Markdown */
    public static String write(Path dir, List<DivergeRecord> rs, String model, String plan, String sampling) throws IOException {
        DivergeStats st = DivergeStats.of(rs);
        Files.createDirectories(dir.resolve(VIEWS));
        for (DivergeRecord r : rs) AtomicFiles.writeString(dir.resolve(VIEWS).resolve(DivergeView.fileName(r)), DivergeView.html(r, plan));
        if (!rs.isEmpty()) {
            save(dir.resolve(KL_PLOT), klByStep(st, plan));
            save(dir.resolve(HIST_PLOT), histogram(st, plan));
        }
        String md = markdown(st, rs, model, plan, sampling);
        AtomicFiles.writeString(dir.resolve("summary.md"), md);
        return md;
    }

    static String markdown(DivergeStats st, List<DivergeRecord> rs, String model, String plan, String sampling) {
        StringBuilder sb = new StringBuilder("# Where " + plan + " departs from w16: " + model + "\n\n");
        sb.append(sampling).append("; ").append(st.problems()).append(" problems.\n\n");
        sb.append("| | w16 | ").append(plan).append(" |\n|---|---:|---:|\n");
        sb.append("| accuracy | ").append(pct(st.accBase())).append(" | ").append(pct(st.accQuant())).append(" |\n\n");
        sb.append("- Diverged traces (some token differs): ").append(st.diverged()).append(" of ").append(st.problems()).append('\n');
        sb.append("- Median first-divergence step: ").append(fmt("%.1f", st.medianDiffStep())).append('\n');
        sb.append("- Diverged traces that still reach the right answer: ").append(pct(st.recoveredShare()))
                .append(" (same answer as w16: ").append(pct(st.sameAnswerShare())).append(")\n");
        long baseRight = rs.stream().filter(r -> r.diverged() && r.base().correct()).count();
        long kept = rs.stream().filter(r -> r.diverged() && r.base().correct() && r.quant().correct()).count();
        sb.append("- Of the diverged traces whose w16 answer is right, still right: ").append(kept).append(" of ").append(baseRight).append('\n');
        sb.append("- Median first step not in the w16 trace (diverged traces that have one): ").append(fmt("%.1f", st.medianNewStep())).append('\n');
        sb.append("- Teacher-forced along the w16 traces: KL ").append(fmt("%.5f", st.klMean())).append(" per token (mean of problems), top-1 ")
                .append(pct(st.top1())).append("\n\n");
        sb.append("## KL by step position\n\n| Step | KL mean | top-1 | problems |\n|---:|---:|---:|---:|\n");
        for (int s = 0; s < st.klByStep().length; s++)
            sb.append("| ").append(s).append(" | ").append(fmt("%.5f", st.klByStep()[s])).append(" | ").append(pct(st.top1ByStep()[s]))
                    .append(" | ").append(st.problemsByStep()[s]).append(" |\n");
        if (!rs.isEmpty()) sb.append("\n![KL by step](").append(KL_PLOT).append(")\n\n![first divergence](").append(HIST_PLOT).append(")\n");
        sb.append("\n## Problems\n\n| Problem | w16 | ").append(plan).append(" | first diff step | first new step | KL |\n|---|---|---|---:|---:|---:|\n");
        for (DivergeRecord r : rs)
            sb.append("| [").append(r.key()).append("](").append(VIEWS).append('/').append(DivergeView.fileName(r)).append(") | ")
                    .append(mark(r.base())).append(" | ").append(mark(r.quant())).append(" | ")
                    .append(r.firstDiffStep() == null ? "-" : r.firstDiffStep()).append(" | ")
                    .append(r.firstNewStep() == null ? "-" : r.firstNewStep()).append(" | ")
                    .append(r.klMean() == null ? "-" : fmt("%.5f", r.klMean())).append(" |\n");
        return sb.toString();
    }

    private static String mark(DivergeRecord.Trace t) {
        return (t.correct() ? "✓ " : "✗ ") + "`" + t.answer().replace("|", "\\|").replace("`", "'") + "`";
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String fmt(String f, double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, f, v);
    }

    static XYChart klByStep(DivergeStats st, String plan) {
        XYChart c = new XYChartBuilder().width(900).height(500).title("KL(w16 || " + plan + ") by reasoning step, teacher-forced")
                .xAxisTitle("step of the w16 trace").yAxisTitle("mean KL per token").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        List<Integer> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (int s = 0; s < st.klByStep().length; s++)
            if (!Double.isNaN(st.klByStep()[s])) {
                xs.add(s);
                ys.add(st.klByStep()[s]);
            }
        if (xs.isEmpty()) {  // no step has tokens (empty traces): an empty axis rather than no plot
            xs.add(0);
            ys.add(0.0);
        }
        XYSeries s = c.addSeries("KL", xs, ys);
        s.setMarker(SeriesMarkers.CIRCLE);
        return c;
    }

    static CategoryChart histogram(DivergeStats st, String plan) {
        CategoryChart c = new CategoryChartBuilder().width(900).height(500).title("First step where " + plan + " departs from w16")
                .xAxisTitle("step").yAxisTitle("traces").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        List<Integer> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int s = 0; s < st.diffHistogram().length; s++) {
            xs.add(s);
            ys.add(st.diffHistogram()[s]);
        }
        if (xs.isEmpty()) {  // nothing diverged: an empty axis rather than no plot
            xs.add(0);
            ys.add(0);
        }
        c.addSeries("traces", xs, ys);
        return c;
    }

    private static void save(Path png, org.knowm.xchart.internal.chartpart.Chart<?, ?> chart) throws IOException {
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
        BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
