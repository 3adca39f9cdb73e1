package dev.lowbit.eval.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Test-time scaling under budget forcing: for each plan, average accuracy against the thinking
 * budget and the output length it produced (the study's and s1's accuracy-versus-tokens curves).
 */
public final class ScalingReport {
    public static final String PNG = "test_time_scaling.png";

    private ScalingReport() {}

    /** one run: a plan under one thinking budget (0: none, the model stops thinking on its own) */
    public record Point(String plan, int budget, RunSummary summary) {}

    /** the Markdown section (table and plot) */
    public static String markdown(List<Point> points) {
        StringBuilder sb = new StringBuilder("## Test-time scaling (budget forcing)\n\n"
                + "Each run closes the model's thought at the budget (s1's budget forcing); accuracy is the average over the "
                + "benchmarks, mean ± std over seeds.\n\n| Plan | Thinking budget | Mean output tokens | Avg. accuracy |\n|---|---:|---:|---:|\n");
        for (Point p : points) {
            StudyTable.Cell c = StudyTable.cell(StudyTable.avgPerSeed(p.summary(), StudyTable.columns(p.summary())));
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %s |\n", p.plan(), p.budget() == 0 ? "none" : String.valueOf(p.budget()),
                    p.summary().meanOutputTokensOverall(), c.format()));
        }
        return sb.append("\n![test-time scaling](").append(PNG).append(")\n").toString();
    }

    /** accuracy against mean output tokens, one line per plan, written atomically */
    public static void plot(List<Point> points, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(600).title("Accuracy vs thinking (budget forcing)")
                .xAxisTitle("mean output tokens").yAxisTitle("Avg. accuracy (%)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        Map<String, List<Point>> byPlan = new LinkedHashMap<>();
        for (Point p : points) byPlan.computeIfAbsent(p.plan(), k -> new ArrayList<>()).add(p);
        byPlan.forEach((plan, ps) -> {
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (Point p : ps) {
                xs.add(p.summary().meanOutputTokensOverall());
                ys.add(StudyTable.cell(StudyTable.avgPerSeed(p.summary(), StudyTable.columns(p.summary()))).mean());
            }
            XYSeries s = chart.addSeries(plan, xs, ys);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        });
        Path tmp = png.resolveSibling(png.getFileName() + ".tmp.png");
        BitmapEncoder.saveBitmap(chart, tmp.toString(), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
