package dev.lowbit.bench;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.quant.QuantPlan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `--compare llama-bench`: the command line lowbit builds, and the rows it makes of what the tool
 * prints. llama-bench itself is not on CI machines, so a script stands in for it: it records its
 * arguments and prints the JSON a real llama-bench (llama.cpp de3ff81, built -march=native on the Zen 4 host, 2 threads) printed
 * for stories260K with `-p 16 -n 8 -r 2` (test resource llama-bench-stories.json).
 */
class LlamaBenchTest {
    private static final BenchSettings S = new BenchSettings(16, 8, new int[] {1}, 2, 2, 512, 4);

    private static String recorded() throws IOException {
        try (InputStream in = LlamaBenchTest.class.getResourceAsStream("/llama-bench-stories.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** an executable shell script standing in for llama-bench */
    private static Path tool(Path dir, String body) throws IOException {
        Path p = dir.resolve("llama-bench");
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void settingsMapOntoLlamaBenchFlags() {
        Path gguf = TestModels.stories();
        LlamaBench b = new LlamaBench(Path.of("/opt/llama-bench"), gguf, S, null);
        assertEquals(List.of("/opt/llama-bench", "-m", gguf.toAbsolutePath().toString(), "-t", "2", "-p", "16", "-n", "8", "-r", "2",
                "-ub", "512", "-o", "json"), b.command());
        BenchSettings deep = new BenchSettings(0, 64, new int[] {1}, 1, 3, 256, 4, 4096);
        assertEquals(List.of("-t", "1", "-p", "0", "-n", "64", "-r", "3", "-ub", "256", "-o", "json", "-d", "4096"),
                new LlamaBench(Path.of("x"), gguf, deep, null).command().subList(3, 17));
    }

    @Test
    void comparisonRunsTheToolAndRatiosLowbitAgainstItsRows(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("out.json");
        Files.writeString(json, recorded());
        Path args = dir.resolve("args");
        Path exe = tool(dir, "echo \"$@\" > " + args + "\necho 'llama-bench log line' >&2\ncat " + json);
        BenchResult r = new BenchRunner(S, ReferenceEngine.parse("llama-bench=" + exe), 0, null)
                .run(List.of(TestModels.stories()), List.of(QuantPlan.W16));
        assertEquals("-m " + TestModels.stories().toAbsolutePath() + " -t 2 -p 16 -n 8 -r 2 -ub 512 -o json", Files.readString(args).strip());
        List<BenchRow> ref = r.rows().stream().filter(x -> x.engine().equals("llama.cpp")).toList();
        assertEquals(List.of("pp16", "tg8"), ref.stream().map(BenchRow::test).toList());
        for (BenchRow row : ref) {
            assertEquals(2, row.ts().samples().length, "one sample per repetition");
            assertTrue(row.ts().mean() > 0);
        }
        BenchRow tg = r.rows().stream().filter(x -> x.engine().equals("lowbit") && x.test().equals("tg8")).findFirst().orElseThrow();
        assertEquals(tg.ts().mean() / ref.get(1).ts().mean(), tg.ratio().mean(), 1e-9);
        assertTrue(r.llamaCppMethod().startsWith("llama-bench ") && r.llamaCppMethod().contains("-m FILE -t 2 -p 16 -n 8"), r.llamaCppMethod());
    }

    @Test
    void aFailingToolReportsItsExitCodeAndLastWords(@TempDir Path dir) throws Exception {
        Path exe = tool(dir, "echo 'error: failed to load model' >&2\nexit 3");
        IOException e = assertThrows(IOException.class, () -> new LlamaBench(exe, TestModels.stories(), S, null).run());
        assertTrue(e.getMessage().contains("exited with code 3") && e.getMessage().contains("failed to load model"), e.getMessage());
    }

    @Test
    void outputThatIsNotItsJsonIsAClearError(@TempDir Path dir) throws Exception {
        LlamaBench b = new LlamaBench(tool(dir, "echo 'usage: llama-bench [options]'"), TestModels.stories(), S, null);
        IOException e = assertThrows(IOException.class, b::run);
        assertTrue(e.getMessage().contains("printed no JSON"), e.getMessage());
        assertTrue(assertThrows(IOException.class, () -> b.parse("[]")).getMessage().contains("no test results"));
        assertTrue(assertThrows(IOException.class, () -> b.parse("[{\"n_prompt\": 16}]")).getMessage().contains("without n_gen"));
    }
}
