package dev.lowbit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** `lowbit score --cases FILE [--json]` on a small hand-written case file. */
class ScoreCommandTest {
    private static final String CASES = String.join("\n",
            "{\"id\":\"a\",\"gold\":\"$\\\\frac{1}{2}$\",\"pred\":\"\\\\boxed{0.5}\",\"gold_targets\":[\"latex\",\"expr\"],\"precision\":5,\"expected\":1}",
            "{\"id\":\"b\",\"gold\":\"$3$\",\"pred\":\"\\\\boxed{4}\",\"gold_targets\":[\"latex\"],\"precision\":5,\"expected\":0}",
            "{\"id\":\"c\",\"gold\":\"B\",\"pred\":\"Answer: B\",\"gold_targets\":[\"NativeLetters\"],\"precision\":5,\"expected\":1}",
            "{\"id\":\"d\",\"gold\":\"7\",\"pred\":\"it is 8\",\"gold_targets\":[\"expr\"],\"precision\":5,\"expected\":1}") + "\n";

    private static String[] run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute(args);
        return new String[] {String.valueOf(rc), out.toString(), err.toString()};
    }

    @Test
    void textReport(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cases.jsonl");
        Files.writeString(f, CASES);
        String[] r = run("score", "--cases", f.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].startsWith("agreement: 3/4 (75.0%)"), r[1]);
        assertTrue(r[1].contains("d\n"), r[1]);
        assertTrue(r[1].contains("expected: 1  got: 0"), r[1]);
    }

    @Test
    void jsonReport(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cases.jsonl");
        Files.writeString(f, CASES);
        String[] r = run("score", "--cases", f.toString(), "--json");
        assertEquals("0", r[0], r[2]);
        JsonNode j = new ObjectMapper().readTree(r[1]);
        assertEquals(3, j.get("agree").asInt());
        assertEquals(4, j.get("total").asInt());
        assertEquals(1, j.get("disagreements").size());
        assertEquals("d", j.get("disagreements").get(0).get("id").asText());
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Main());
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler(new ErrorHandler());
        int rc = cl.execute("score", "--cases", dir.resolve("nope.jsonl").toString());
        assertEquals(1, rc);
        assertTrue(err.toString().contains("no such file"), err.toString());
    }
}
