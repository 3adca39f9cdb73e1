package dev.lowbit.e2e;

import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.model.SyntheticModel;
import dev.lowbit.tools.testbed.TestbedBuild;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * A model with the testbed's real vocabulary and chat template (learned by `TestbedBuild vocab`,
 * as the recipe does) and random weights in two small layers: the stand-in on which the e2e tests
 * run the testbed pipeline through the jar (levels, per-level tables, the DeepSeek-R1 template),
 * where what is checked is the pipeline, not the answers, and the shipped model would only be slower.
 */
final class TestbedFixture {
    private TestbedFixture() {}

    static Path model(Path dir) throws Exception {
        Path vocab = dir.resolve("testbed-vocab.gguf"), model = dir.resolve("testbed-random.gguf");
        if (Files.exists(model)) return model;
        int rc = new CommandLine(new TestbedBuild()).execute("vocab", "--out", vocab.toString());
        if (rc != 0) throw new IllegalStateException("TestbedBuild vocab failed: " + rc);
        try (GgufFile v = GgufFile.open(vocab)) {
            int tokens = v.getStringArray("tokenizer.ggml.tokens").length;
            SyntheticModel.write(new SyntheticModel.Spec("qwen2", 256, 2, 4, 2, 64, 512, tokens, 2048, true, GgmlType.F16, 7, 24f), v, model);
        }
        return model;
    }
}
