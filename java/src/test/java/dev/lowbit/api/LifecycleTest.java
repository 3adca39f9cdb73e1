package dev.lowbit.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.gguf.GgufFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LifecycleTest {
    private static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", ""));
        throw new IllegalStateException("no VmRSS");
    }

    @Test
    void thousandLoadCloseCyclesDoNotLeakNativeMemory() throws Exception {
        Path p = TestModels.stories();
        for (int i = 0; i < 50; i++) LowbitModel.load(p, LoadOptions.defaults()).close(); // warm up
        System.gc();
        long before = rssKb();
        for (int i = 0; i < 1000; i++) {
            try (LowbitModel m = LowbitModel.load(p, LoadOptions.defaults())) {
                assertEquals(512, m.config().vocab());
            }
        }
        System.gc();
        long grown = rssKb() - before;
        // one model holds ~1 MB of weights mapped + ~5 MB of KV cache and activations: a leak of
        // even one buffer per cycle would add > 1 GB over 1000 cycles
        assertTrue(grown < 200_000, "RSS grew by " + grown + " kB over 1000 load/close cycles");
    }

    @Test
    void missingAndCorruptFilesGiveClearErrors(@TempDir Path dir) throws Exception {
        assertThrows(NoSuchFileException.class, () -> LowbitModel.load(dir.resolve("nope.gguf"), LoadOptions.defaults()));
        byte[] real = Files.readAllBytes(TestModels.stories());
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(real, real.length / 2));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> LowbitModel.load(cut, LoadOptions.defaults()));
        assertFalse(e.getMessage().isBlank());
        Path vocabOnly = TestModels.model("vocab/ggml-vocab-llama-spm.gguf");
        assertThrows(GgufFormatException.class, () -> LowbitModel.load(vocabOnly, LoadOptions.defaults()));
    }
}
