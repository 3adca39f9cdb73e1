package dev.lowbit.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lowbit.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** `lowbit bench` end to end through the CLI: table, JSON, and clear errors for bad flags. */
class BenchCommandTest {
    private record Outcome(int code, String out, String err) {}

    private static Outcome run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static String stories() {
        return TestModels.stories().toString();
    }

    @Test
    void jsonHasOneRowPerTestWithLlamaBenchFields() throws Exception {
        Outcome o = run("bench", "-m", stories(), "-p", "16", "-n", "8", "-b", "1,2", "-t", "2", "-r", "2", "--quant", "w16,w8a8", "--json");
        assertEquals(0, o.code(), o.err());
        JsonNode root = new ObjectMapper().readTree(o.out());
        assertEquals(16, root.get("settings").get("n_prompt").asInt());
        assertTrue(root.get("machine").get("cpus").asInt() >= 1);
        assertTrue(root.get("machine").has("OMP_WAIT_POLICY"));
        JsonNode rows = root.get("rows");
        assertEquals(6, rows.size(), o.out()); // 2 plans x (pp16, tg8, tg8@b2)
        for (JsonNode r : rows) {
            for (String f : new String[] {"model_filename", "model_type", "model_size", "model_n_params", "backends", "n_threads", "test",
                    "avg_ts", "stddev_ts", "samples_ts", "weight_bytes_per_token", "kv_bytes_per_token"})
                assertTrue(r.has(f), "missing " + f + " in " + r);
            assertTrue(r.get("avg_ts").asDouble() > 0, r.toString());
            assertEquals(2, r.get("samples_ts").size());
            assertEquals(2, r.get("n_threads").asInt());
            assertEquals("stories260K.gguf", r.get("model_filename").asText());
        }
        assertEquals("tg8@b2", rows.get(2).get("test").asText());
        assertEquals(2, rows.get(2).get("n_seq").asInt());
        assertEquals("w8a8", rows.get(3).get("plan").asText());
    }

    @Test
    void tableUsesLlamaBenchColumns() {
        Outcome o = run("bench", "-m", stories(), "-p", "8", "-n", "4", "-t", "1", "-r", "1");
        assertEquals(0, o.code(), o.err());
        String header = o.out().lines().filter(l -> l.startsWith("| engine")).findFirst().orElse("");
        assertTrue(o.out().startsWith("machine: cpus="), o.out());
        for (String col : new String[] {"model", "size", "params", "backend", "threads", "test", "t/s", "GB/s"})
            assertTrue(header.contains(" " + col + " "), "no column " + col + " in " + header);
        assertTrue(o.out().contains("| pp8 "), o.out());
        assertTrue(o.out().contains("| tg4 "), o.out());
    }

    @Test
    void badFlagsGiveOneClearLine() {
        Outcome neg = run("bench", "-m", stories(), "-p", "-1");
        assertNotEquals(0, neg.code());
        assertTrue(neg.err().contains("-p must be >= 0"), neg.err());

        Outcome batch = run("bench", "-m", stories(), "-b", "1,0");
        assertNotEquals(0, batch.code());
        assertTrue(batch.err().contains("batch sizes must be in 1..1024"), batch.err());

        Outcome notInt = run("bench", "-m", stories(), "-b", "one");
        assertEquals(2, notInt.code());
        assertTrue(notInt.err().contains("'one'"), notInt.err());

        Outcome cmp = run("bench", "-m", stories(), "--compare", "vllm");
        assertNotEquals(0, cmp.code());
        assertTrue(cmp.err().contains("--compare takes 'llama.cpp' or 'llama-bench[=PATH]'"), cmp.err());

        Outcome noTool = run("bench", "-m", stories(), "--compare", "llama-bench=/nonexistent/llama-bench");
        assertNotEquals(0, noTool.code());
        assertTrue(noTool.err().contains("/nonexistent/llama-bench is not an executable file"), noTool.err());

        Outcome depth = run("bench", "-m", stories(), "--depth", "-5");
        assertNotEquals(0, depth.code());
        assertTrue(depth.err().contains("--depth must be in 0.."), depth.err());

        Outcome depthCmp = run("bench", "-m", stories(), "-d", "64", "--compare", "llama.cpp");
        assertNotEquals(0, depthCmp.code());
        assertTrue(depthCmp.err().contains("--depth needs --compare llama-bench"), depthCmp.err());

        Outcome plan = run("bench", "-m", stories(), "--quant", "w5a16");
        assertNotEquals(0, plan.code());
        assertTrue(plan.err().contains("unknown quantization plan"), plan.err());

        Outcome missing = run("bench", "-m", "/nonexistent/model.gguf");
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().startsWith("lowbit: "), missing.err());

        Outcome unknown = run("bench", "--bogus");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--bogus"), unknown.err());
        assertFalse(unknown.err().contains("Exception"), unknown.err());
    }
}
