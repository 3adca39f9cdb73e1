package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.eval.catalogue.Benchmarks;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad values a hostile (or careless) user typed: each is refused with one line naming the
 * option and what is allowed, a non-zero exit and no stack trace, before any real work.
 */
class CliLimitsTest {
    @TempDir Path dir;

    static String stories() {
        return TestModels.stories().toString();
    }

    /** runs the command line and checks the refusal: exit != 0, one "lowbit:" line containing every part */
    static String refused(String[] args, String... parts) {
        HostileGgufTextTest.Outcome o = HostileGgufTextTest.cli(args);
        String cmd = String.join(" ", args);
        assertNotEquals(0, o.code(), cmd + " was accepted: " + o.err());
        assertEquals(1, o.err().lines().count(), cmd + " -> " + o.err());
        assertTrue(o.err().startsWith("lowbit: "), cmd + " -> " + o.err());
        assertFalse(o.err().contains("\tat ") || o.err().contains("Exception"), cmd + " -> " + o.err());
        for (String p : parts) assertTrue(o.err().contains(p), cmd + " -> " + o.err() + " (expected '" + p + "')");
        return o.err();
    }

    static String[] a(String... args) {
        return args;
    }

    @Test
    void memoryAndContextRanges() {
        refused(a("run", "-m", stories(), "-p", "hi", "--kv-mib", "10000000"), "--kv-mib 10000000", "out of range", "physical memory");
        refused(a("run", "-m", stories(), "-p", "hi", "--kv-mib", Long.toString(1L << 43)), "--kv-mib 8796093022208", "out of range");
        refused(a("run", "-m", stories(), "-p", "hi", "--kv-mib", "-1"), "--kv-mib -1", "out of range");
        refused(a("run", "-m", stories(), "-p", "hi", "--ctx", "2147483647"), "--ctx 2147483647 is out of range", "1..1048576");
        refused(a("run", "-m", stories(), "-p", "hi", "--ctx", "-5"), "--ctx -5 is out of range");
        refused(a("run", "-m", stories(), "-p", "hi", "--threads", "100000"), "--threads 100000 is out of range");
    }

    @Test
    void isaLevelsAreCheckedBeforeTheModelLoads() {
        String levels = "is not an ISA level: scalar | avx2 | avx512 | avx512-bf16";
        refused(a("run", "-m", stories(), "-p", "hi", "--isa", "sse9"), "--isa sse9: 'sse9' " + levels);
        refused(a("bench", "-m", stories(), "-n", "4", "--isa", "AVX2"), "--isa AVX2: 'AVX2' " + levels);
        refused(a("ppl", "-m", stories(), "--text", stories(), "--isa", ""), "--isa : '' " + levels);
        refused(a("quantize", "-m", stories(), "--plan", "w4a16-g128", "--method", "rtn", "-o", dir.resolve("q.gguf").toString(), "--isa", "x"),
                "--isa x: 'x' " + levels);
        assertFalse(Files.exists(dir.resolve("q.gguf")));
    }

    @Test
    void plansAreParsedStrictly() {
        for (String q : new String[] {"+", "++", "w4a16-g128+", "+kv8", "w16++kv8"})
            refused(a("run", "-m", stories(), "-p", "hi", "--quant", q), "quantization plan '" + q + "'", "empty part");
        refused(a("bench", "-m", stories(), "--quant", "w16,+"), "empty part");
        refused(a("ppl", "-m", stories(), "--text", stories(), "--quant", "kv4+"), "empty part");
    }

    @Test
    void quarotAndSmoothQuantOptionsAreChecked() {
        String out = dir.resolve("q.gguf").toString();
        refused(a("quantize", "-m", stories(), "--plan", "w4a16-g128", "--method", "quarot", "--calib", stories(), "-o", out),
                "--method quarot takes --plan w4a4kv4, w8a8kv8, w4a4 or w8a8, not w4a16-g128");
        refused(a("quantize", "-m", stories(), "--plan", "w8a8", "--method", "smoothquant", "--smooth-weights", "awq", "--calib", stories(), "-o", out),
                "--smooth-weights must be gptq or rtn, got awq");
        refused(a("quantize", "-m", stories(), "--plan", "w4a4kv4", "--method", "gptq", "--calib", stories(), "-o", out),
                "rotates its inputs");
        refused(a("quantize", "-m", stories(), "--plan", "w4a4kv4", "--method", "quarot", "--kv-clip", "1.5", "--calib", stories(), "-o", out),
                "--kv-clip must be in (0, 1], got 1.5");
        assertFalse(Files.exists(dir.resolve("q.gguf")));
    }

    @Test
    void emptyAndWrongPaths() throws Exception {
        refused(a("run", "-m", "", "-p", "hi"), "-m/--model is empty");
        refused(a("run", "-m", "  ", "-p", "hi"), "-m/--model is empty");
        refused(a("bench", "-m", "", "-n", "4", "-p", "0"), "-m/--model is empty");
        refused(a("run", "-m", dir.toString(), "-p", "hi"), "is a directory, not a GGUF file");
        if (Files.exists(Path.of("/dev/zero"))) refused(a("run", "-m", "/dev/zero", "-p", "hi"), "/dev/zero is a device");
        refused(a("eval", "-m", stories(), "--bench", "gsm8k", "--out", ""), "--out is empty");
        refused(a("sweep", "-m", stories(), "--out", ""), "--out is empty");
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        refused(a("eval", "-m", stories(), "--bench", "gsm8k", "--out", file.toString()), "--out", "is not a directory");
        refused(a("eval", "-m", stories(), "--bench", "gsm8k", "--out", dir.resolve("o").toString(), "--baseline",
                dir.resolve("missing.json").toString()), "--baseline", "no such summary file");
        refused(a("eval", "-m", stories(), "--bench", "gsm8k", "--out", dir.resolve("o").toString(), "--baseline", file.toString()),
                "--baseline", "not a lowbit summary.json");
        assertFalse(Files.exists(dir.resolve("o")), "nothing was written before the refusals");
    }

    @Test
    void benchmarkNamesBeforeAnyWork() {
        long t0 = System.nanoTime();
        Path out = dir.resolve("sweep");
        refused(a("sweep", "-m", stories(), "--plans", "w16,w8a8", "--bench", "nosuch", "--out", out.toString()), "unknown benchmark 'nosuch'");
        refused(a("eval", "-m", stories(), "--bench", "gsm8k,nosuch", "--out", out.toString()), "unknown benchmark 'nosuch'");
        refused(a("sweep", "-m", stories(), "--seeds", "1,x", "--out", out.toString()), "not a seed: 'x'");
        assertFalse(Files.exists(out), "no perplexity text or report was written");
        assertTrue((System.nanoTime() - t0) / 1e9 < 20, "refusals must come before perplexity");
    }

    @Test
    void benchRefusesSequencesBeyondTheContext() {
        refused(a("bench", "-m", stories(), "-p", "100000", "-n", "8", "-r", "1"), "-p 100000", "beyond the context of 2048 tokens");
        refused(a("bench", "-m", stories(), "-p", "0", "-n", "3000", "-r", "1"), "-n 3000", "beyond the context");
        refused(a("bench", "-m", stories(), "-p", "16", "-n", "8", "--depth", "3000", "-r", "1"), "--depth 3000", "beyond the context");
    }

    @Test
    void evalRefusesAContextThatCannotHoldThePrompt() {
        try {
            Benchmarks.dataFile("gsm8k");
        } catch (IllegalArgumentException e) {
            Assumptions.abort("gsm8k data not on the data path: " + e.getMessage());
        }
        Path out = dir.resolve("ctx4");
        refused(a("eval", "-m", stories(), "--ctx", "4", "--bench", "gsm8k", "--limit", "2", "--seeds", "1", "--out", out.toString()),
                "--ctx 4 cannot hold the prompts", "gsm8k/", "use --ctx >= ");
        assertFalse(Files.exists(out.resolve("records.jsonl")), "no empty answers were recorded");
        // a context whose default KV budget no memory can hold (1M positions x 1024 sequences)
        refused(a("eval", "-m", stories(), "--ctx", "1048576", "--batch", "1024", "--bench", "gsm8k", "--limit", "1",
                "--out", dir.resolve("big").toString()), "the KV cache would need", "physical memory");
    }
}
