package dev.lowbit.quant.method;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calibrator shipped in the jar passes its own self-test (flatquant.py --self-test): exact folding of the
 * learned transforms, lower block loss after training, a readable result, and the engine's arithmetic
 * re-implemented in numpy agreeing with the trained forward. Needs Debian's python3-torch.
 */
class FlatQuantCalibratorTest {
    @Test
    void shippedCalibratorPassesItsSelfTest(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "no /usr/bin/python3");
        Path script = dir.resolve("flatquant.py");
        try (InputStream in = FlatQuant.class.getResourceAsStream("/dev/lowbit/quant/flatquant/flatquant.py")) {
            assertNotNull(in, "the calibrator is packaged");
            Files.copy(in, script);
        }
        Process torch = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
        torch.getInputStream().readAllBytes();
        Assumptions.assumeTrue(torch.waitFor() == 0, "no PyTorch for /usr/bin/python3 (python3-torch)");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--self-test").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "self-test timed out");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("self-test: passed") && !out.contains("FAIL"), out);
    }

    @Test
    void studyPlansMapToTheEnginesPlans() {
        assertEquals("w4a4-asym+kv4-rot", FlatQuant.plan("w4a4kv4").name());
        assertEquals("w8a8-asym+kv8-rot", FlatQuant.plan("W8A8KV8").name());
        assertThrows(IllegalArgumentException.class, () -> FlatQuant.plan("w3a16-g128"));
        assertThrows(IllegalArgumentException.class, () -> new FlatQuant.Settings(0, 5e-3, 4, 42, 0, "python3"));
    }
}
