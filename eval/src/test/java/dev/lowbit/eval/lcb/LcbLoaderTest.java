package dev.lowbit.eval.lcb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lowbit.eval.Jsonl;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Base64;
import java.util.List;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LcbLoaderTest {
    @TempDir Path dir;

    /** base64(zlib(pickle.dumps(json_text, protocol=N))) printed by CPython 3.11 for two stdin tests */
    static final String PICKLED_P4 = "eJxrYJlaxwABPVXR1UqZeQWlJUpWCkrGMXmGCkYKQEpJR0Epv7QEKm4GEShJLS4pqSxIBQkVl6Rk5inV6iggaTeMyTNF12qKU2vsFD0AXywocA==";
    static final String PICKLED_P2 = "eJxrYIqoYmBgiK5WyswrKC1RslJQMo7JM1QwUgBSSjoKSvmlJVBxM4hASWpxSUllQSpIqLgkJTNPqVZHAUm7YUyeKbpWU5xaYwsZ9ADZ4icE";
    /** the same with a 300-character input, which pickles with the 4-byte-length opcode */
    static final String PICKLED_BIG = "eJxrYJmaxsgABhHxQEZ0tVJmXkFpiZKVglLFKCAaKOkoKOWXlkBDrhLELUktLimpLEgFCRSXpGTmKdXGTtEDAIMOn4c=";

    static String row(String id, String date, String starter, String pub, String priv, String meta) {
        ObjectNode n = Jsonl.MAPPER.createObjectNode();
        n.put("question_title", "t-" + id);
        n.put("question_content", "Sum the numbers of " + id);
        n.put("platform", "atcoder");
        n.put("question_id", id);
        n.put("contest_id", "c1");
        n.put("contest_date", date);
        n.put("starter_code", starter);
        n.put("difficulty", "easy");
        n.put("public_test_cases", pub);
        n.put("private_test_cases", priv);
        n.put("metadata", meta);
        return n.toString();
    }

    static String zlibBase64(String s) {
        Deflater d = new Deflater();
        d.setInput(s.getBytes(StandardCharsets.UTF_8));
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[256];
        while (!d.finished()) out.write(b, 0, d.deflate(b));
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    static final String PUB = "[{\"input\": \"2\\n1 1\\n\", \"output\": \"2\\n\", \"testtype\": \"stdin\"}]";

    @Test
    void decodesPickledZlibAndPlainPrivateTests() throws Exception {
        Path f = dir.resolve("combined.jsonl");
        Files.writeString(f, String.join("\n",
                row("p4", "2024-09-14T00:00:00", "", PUB, PICKLED_P4, "{}"),
                row("p2", "2024-10-02T00:00:00", "", PUB, PICKLED_P2, "{}"),
                row("big", "2024-11-30T00:00:00", "", PUB, PICKLED_BIG, "{}"),
                row("plain", "2024-12-01T00:00:00", "class Solution:\n    def f(self, a: int) -> int:\n        ",
                        "[{\"input\": \"3\", \"output\": \"4\", \"testtype\": \"functional\"}]",
                        zlibBase64("[{\"input\": \"5\", \"output\": \"6\", \"testtype\": \"functional\"}]"), "{\"func_name\": \"f\"}"),
                row("json", "2025-01-05T00:00:00", "", PUB, "[]", "{}")) + "\n");
        List<LcbProblem> ps = LcbLoader.readFile(f);
        assertEquals(5, ps.size());
        LcbProblem p4 = ps.get(0);
        assertEquals(List.of(new LcbTest("3\n1 2 3\n", "6\n", LcbTest.Type.STDIN), new LcbTest("1\n5\n", "5\n", LcbTest.Type.STDIN)), p4.privateTests());
        assertEquals(p4.privateTests(), ps.get(1).privateTests());
        assertEquals("x".repeat(300), ps.get(2).privateTests().get(0).input());
        assertNull(p4.funcName());
        LcbProblem plain = ps.get(3);
        assertEquals("f", plain.funcName());
        assertEquals(List.of("4", "6"), plain.allTests().stream().map(LcbTest::output).toList());
        assertEquals(LocalDate.of(2024, 12, 1), plain.contestDate().toLocalDate());
        assertTrue(ps.get(4).privateTests().isEmpty());
    }

    @Test
    void v4v5IsTheTest4AndTest5FilesOrItsDateWindow() throws Exception {
        LcbSubset s = LcbSubset.v4v5();
        assertEquals(List.of("test4.jsonl", "test5.jsonl"), s.files());
        assertEquals(LocalDate.of(2024, 8, 1), s.from());
        assertEquals(LocalDate.of(2025, 2, 1), s.to());
        assertEquals(List.of("test.jsonl", "test2.jsonl", "test3.jsonl"), LcbSubset.parse("release_v3").files());
        assertThrows(IllegalArgumentException.class, () -> LcbSubset.parse("v5_v4"));
        assertThrows(IllegalArgumentException.class, () -> LcbSubset.parse("v9"));

        // a directory of release files: exactly the subset's files
        Files.writeString(dir.resolve("test3.jsonl"), row("old", "2024-06-01T00:00:00", "", PUB, "[]", "{}") + "\n");
        Files.writeString(dir.resolve("test4.jsonl"), row("a", "2024-08-03T00:00:00", "", PUB, "[]", "{}") + "\n");
        Files.writeString(dir.resolve("test5.jsonl"), row("b", "2024-12-03T00:00:00", "", PUB, "[]", "{}") + "\n"
                + row("c", "2025-01-31T00:00:00", "", PUB, "[]", "{}") + "\n");
        assertEquals(List.of("a", "b", "c"), LcbLoader.load(dir, s).stream().map(LcbProblem::questionId).toList());

        // one combined file: the date window [from, to)
        Path combined = dir.resolve("all.jsonl");
        Files.writeString(combined, String.join("\n",
                row("before", "2024-07-31T23:59:59", "", PUB, "[]", "{}"),
                row("first", "2024-08-01T00:00:00", "", PUB, "[]", "{}"),
                row("last", "2025-01-31T12:00:00", "", PUB, "[]", "{}"),
                row("after", "2025-02-01T00:00:00", "", PUB, "[]", "{}")) + "\n");
        assertEquals(List.of("first", "last"), LcbLoader.load(combined, s).stream().map(LcbProblem::questionId).toList());
        assertEquals(List.of("before", "first"), LcbLoader.load(combined, s.withWindow(LocalDate.of(2024, 7, 1), LocalDate.of(2024, 8, 2)))
                .stream().map(LcbProblem::questionId).toList());
    }

    @Test
    void rejectsBadRecordsClearly() throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, row("x", "2024-09-01T00:00:00", "", PUB, "!!!notbase64", "{}") + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LcbLoader.readFile(f));
        assertTrue(e.getMessage().contains("record 1"), e.getMessage());
        // a pickle that is not a plain string (here: an empty list) is refused, never executed
        Files.writeString(f, row("x", "2024-09-01T00:00:00", "", PUB, zlibBase64Bytes(new byte[] {(byte) 0x80, 4, ']', (byte) 0x94, '.'}), "{}") + "\n");
        e = assertThrows(IllegalArgumentException.class, () -> LcbLoader.readFile(f));
        assertTrue(e.getMessage().contains("unsupported pickle opcode"), e.getMessage());
    }

    static String zlibBase64Bytes(byte[] raw) {
        Deflater d = new Deflater();
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[256];
        while (!d.finished()) out.write(b, 0, d.deflate(b));
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    @Test
    void codeIsTheBlockBetweenTheLastTwoFenceLines() {
        assertEquals("print(2)", CodeExtractor.lastFencedBlock("x\n```python\nprint(1)\n```\nthen\n```python\nprint(2)\n```\n"));
        assertEquals("a\nb", CodeExtractor.lastFencedBlock("```\na\nb\n```"));
        assertEquals("", CodeExtractor.lastFencedBlock("only one ``` here"));
        // an odd number of fences pairs the last two lines, as the reference does
        assertEquals("text", CodeExtractor.lastFencedBlock("```py\ncode\n```\ntext\n```"));
    }
}
