package dev.lowbit.e2e;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lowbit.cli.Main;
import dev.lowbit.util.SearchPath;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The `lowbit` command line as a user sees it: output, exit codes, one-line errors. */
class CliTest {
    record Result(int code, String out, String err) {}

    static synchronized Result lowbit(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Path model(String name) {
        return SearchPath.findModel(name).orElseThrow();
    }

    @Test
    void runPrintsLlamaCppsGreedyStory() throws Exception {
        Result r = lowbit("run", "-m", "stories260K", "-p", "Once upon a time", "-n", "60", "--temp", "0");
        assertEquals(0, r.code(), r.err());
        assertEquals(Files.readString(model("stories260K.greedy.txt")).strip(), r.out().strip());
    }

    @Test
    void tokenizePrintsJsonIdsAndParsesSpecialTokens() throws Exception {
        Result r = lowbit("tokenize", "-m", model("stories260K.gguf").toString(), "Hello world");
        assertEquals(0, r.code(), r.err());
        int[] ids = new ObjectMapper().readValue(r.out(), int[].class);
        assertEquals(1, ids[0], "BOS first");
        Result nobos = lowbit("tokenize", "-m", model("stories260K.gguf").toString(), "--no-bos", "Hello world");
        int[] ids2 = new ObjectMapper().readValue(nobos.out(), int[].class);
        assertEquals(ids.length - 1, ids2.length);
        Result special = lowbit("tokenize", "-m", model("vocab/ggml-vocab-qwen2.gguf").toString(), "<|im_start|>user");
        int[] sp = new ObjectMapper().readValue(special.out(), int[].class);
        assertEquals(151644, sp[0]);
    }

    @Test
    void inspectDescribesTheModel() {
        Result r = lowbit("inspect", "stories260K");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("architecture: llama"));
        assertTrue(r.out().contains("embd 64, layers 5, heads 8/4 kv"));
    }

    @Test
    void badFlagsAndMissingFilesGiveOneClearLineAndNonZeroExit(@TempDir Path dir) throws Exception {
        Result unknown = lowbit("run", "-m", "stories260K", "-p", "x", "--bogus");
        assertNotEquals(0, unknown.code());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
        assertTrue(unknown.err().contains("--bogus"));

        Result missing = lowbit("run", "-m", dir.resolve("nope.gguf").toString(), "-p", "x");
        assertNotEquals(0, missing.code());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());

        Path junk = dir.resolve("junk.gguf");
        Files.write(junk, "GGUF but not really".getBytes(StandardCharsets.UTF_8));
        Result corrupt = lowbit("inspect", junk.toString());
        assertNotEquals(0, corrupt.code());
        assertEquals(1, corrupt.err().strip().lines().count(), corrupt.err());

        Result badPlan = lowbit("run", "-m", "stories260K", "-p", "x", "--quant", "w5a16");
        assertNotEquals(0, badPlan.code());
        assertTrue(badPlan.err().contains("w5a16"));

        Result badNumber = lowbit("run", "-m", "stories260K", "-p", "x", "-n", "many");
        assertNotEquals(0, badNumber.code());
        assertEquals(1, badNumber.err().strip().lines().count(), badNumber.err());
    }

    @Test
    void quantizedRunsProduceText() {
        for (String plan : new String[] {"w4a16-g128", "w8a8kv8", "w4a4kv4", "kv3"}) {
            Result r = lowbit("run", "-m", "stories260K", "-p", "Once upon a time", "-n", "20", "--temp", "0", "--quant", plan);
            assertEquals(0, r.code(), plan + ": " + r.err());
            assertTrue(r.out().length() > "<s> Once upon a time".length() + 10, plan + ": " + r.out());
        }
    }
}
