package dev.lowbit.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.eval.EvalRecord;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepReportTest {
    @TempDir Path dir;

    /** a run where each benchmark has 10 problems, `right` of them correct for every seed */
    static RunSummary run(String label, int right, int tokens) {
        List<EvalRecord> rs = new ArrayList<>();
        for (String b : List.of("gsm8k", "math500")) {
            for (long seed = 42; seed <= 44; seed++) {
                for (int i = 0; i < 10; i++) {
                    boolean ok = i < right + (seed == 43 && b.equals("gsm8k") ? 1 : 0);
                    rs.add(new EvalRecord(b, "p" + i, seed, 0, "q", "x\n\ny", "", "", ok, "", 5, tokens, 2, tokens / 50.0, null));
                }
            }
        }
        return RunSummary.of(label, rs);
    }

    static BufferedImage png(Path f) throws Exception {
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(f)) {
            assertEquals(8, in.read(head));
        }
        assertEquals((byte) 0x89, head[0]);
        assertEquals('P', head[1]);
        return ImageIO.read(f.toFile());
    }

    @Test
    void sweepWithAccuracyWritesTableAndThreePlots() throws Exception {
        List<PlanSummary> plans = List.of(
                PlanSummary.fromRun("w16", "16-16-16", 16.0, run("w16", 8, 400), 20.0, 5.1, null),
                PlanSummary.fromRun("w8a8kv8", "8-8-8", 8.5, run("w8a8kv8", 8, 410), 35.0, 5.15, 0.001),
                PlanSummary.fromRun("w4a16-g128", "4-16-16", 4.25, run("w4a16-g128", 7, 450), 55.0, 5.4, 0.02),
                PlanSummary.fromRun("w3a16-g128", "3-16-16", 3.25, run("w3a16-g128", 5, 600), Double.NaN, 6.3, 0.09));
        assertEquals(50.0, plans.get(3).decodeTokensPerSecond(), 1e-9, "the run's own speed: 600 tokens in 12 s per record");
        assertEquals(50.0, plans.get(3).accuracy().get("math500"), 1e-9);
        List<Path> files = SweepReport.write(dir, "Sweep: test model", "Synthetic numbers.", plans, 0);
        assertEquals(List.of("report.md", SweepReport.ACCURACY_VS_BITS, SweepReport.ACCURACY_VS_SPEED, SweepReport.OUTPUT_LENGTH,
                SweepReport.PPL_VS_BITS, SweepReport.KL_VS_BITS), files.stream().map(p -> p.getFileName().toString()).toList());
        for (Path f : files.subList(1, files.size())) {
            BufferedImage img = png(f);
            assertEquals(900, img.getWidth());
            assertEquals(600, img.getHeight());
        }
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| Method | W-A-KV | MATH-500 | GSM8K | Avg. | Drop | Label |"), md);
        // w16: math 80 each seed, gsm8k 80/90/80; w3: math 50, gsm8k 50/60/50 -> drop -30.0
        assertTrue(md.contains("| w16 | 16-16-16 | 80.0±0.0 | 83.3±5.8 | 81.7±2.9 | - | - |"), md);
        assertTrue(md.contains("| w3a16-g128 | 3-16-16 | 50.0±0.0 | 53.3±5.8 | 51.7±2.9 | -30.0 | risky |"), md);
        assertTrue(md.contains("| w4a16-g128 | 4-16-16 | 4.25 | 71.7 | 450 | 55.0 | 5.4000 | 0.02000 |"), md);
        assertTrue(md.contains("![accuracy vs bits](accuracy_vs_bits.png)"), md);
    }

    @Test
    void perplexityOnlySweepSkipsAccuracyPlots() throws Exception {
        List<PlanSummary> plans = List.of(
                PlanSummary.ofPerplexity("w16", "16-16-16", 32.0, 900.0, 1.91, 0.0),
                PlanSummary.ofPerplexity("w4a16-g128", "4-16-16", 4.25, 1500.0, 2.05, 0.03));
        List<Path> files = SweepReport.write(dir, "stories260K", null, plans, 0);
        assertEquals(List.of("report.md", SweepReport.PPL_VS_BITS, SweepReport.KL_VS_BITS),
                files.stream().map(p -> p.getFileName().toString()).toList());
        png(dir.resolve(SweepReport.PPL_VS_BITS));
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("perplexity, KL and speed only"), md);
        assertTrue(md.contains("| w4a16-g128 | 4-16-16 | 4.25 | - | - | 1500.0 | 2.0500 | 0.03000 |"), md);
        assertFalse(Files.exists(dir.resolve(SweepReport.ACCURACY_VS_BITS)));
    }
}
