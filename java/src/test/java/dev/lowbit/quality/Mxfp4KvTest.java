package dev.lowbit.quality;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The study's MXFP4 W4A4KV4 row (mxfp4-w4a4kv4: K and V cached in MXFP4 blocks of 32) on the testbed model
 * (head_dim 64): the cache is MXFP4, the logits finite, the cache alone (w16+kvmxfp4) costs less than the weights
 * and activations (mxfp4), and the full row costs more than either part.
 */
class Mxfp4KvTest {
    @Test
    void studyRowCachesKvInMxfp4AndCostsMoreThanEitherPart() throws Exception {
        Path testbed = Path.of("..").resolve("models/lowbit-testbed.gguf");
        String text = "Tom has 12 apples. He buys 7 more and gives 5 away. Then he doubles what he has. ".repeat(10);
        try (LowbitModel m = LowbitModel.load(testbed, LoadOptions.defaults().withPlan(QuantPlan.parse("mxfp4-w4a4kv4")))) {
            assertEquals(Format.MXFP4, m.internals().transformer().kv().format);
            for (float[] row : TestModels.logits(m, m.tokenize("Tom has 12 apples.", true)))
                for (float v : row) assertTrue(Float.isFinite(v));
        }
        List<QuantPlan> plans = List.of(QuantPlan.parse("w16+kvmxfp4"), QuantPlan.parse("mxfp4"), QuantPlan.parse("mxfp4-w4a4kv4"));
        Map<String, QualityRow> rows = QualityMeter.measure(testbed, LoadOptions.defaults(), QuantPlan.W16, plans, text, 128, null)
                .stream().collect(Collectors.toMap(QualityRow::plan, Function.identity()));
        rows.values().forEach(r -> System.out.printf("%-16s kld %.6f top1 %.4f%n", r.plan(), r.kldMean(), r.top1Agreement()));
        double kv = rows.get("w16+kvmxfp4").kldMean(), wa = rows.get("mxfp4").kldMean(), all = rows.get("mxfp4-w4a4kv4").kldMean();
        assertTrue(kv > 0 && kv < wa, "MXFP4 cache alone " + kv + " vs weights+activations " + wa);
        assertTrue(all > wa, "the full row " + all + " costs more than its weights+activations " + wa);
    }

    @Test
    void aHeadDimThatIsNotWholeBlocksIsRefused() {
        // stories260K: head_dim 8
        Exception e = assertThrows(Exception.class,
                () -> LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withPlan(QuantPlan.parse("w16+kvmxfp4"))).close());
        assertTrue(e.getMessage().contains("head_dim 8 invalid for KV format MXFP4"), e.getMessage());
    }
}
