package dev.lowbit.eval.lcb;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lowbit.eval.Jsonl;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads livecodebench/code_generation_lite JSONL: question_id, question_title,
 * question_content, platform, contest_date, starter_code, difficulty, public_test_cases (a JSON
 * string), private_test_cases (a JSON string, or base64 of zlib of a pickled JSON string, or
 * base64 of zlib of the JSON text), metadata (a JSON string with func_name).
 */
public final class LcbLoader {
    private LcbLoader() {}

    /**
     * A directory holding the per-release files: the subset's files (those present; at least
     * one must be). A single file: its problems whose contest_date is in the subset's window.
     */
    public static List<LcbProblem> load(Path fileOrDir, LcbSubset subset) {
        List<LcbProblem> out = new ArrayList<>();
        if (Files.isDirectory(fileOrDir)) {
            int found = 0;
            for (String f : subset.files()) {
                Path p = fileOrDir.resolve(f);
                if (!Files.exists(p)) continue;
                found++;
                out.addAll(readFile(p));
            }
            if (found == 0) throw new IllegalArgumentException(fileOrDir + " holds none of " + subset.files() + " (subset " + subset.name() + ")");
        } else {
            out.addAll(readFile(fileOrDir, subset::contains));
        }
        return out;
    }

    /** all problems of one file */
    public static List<LcbProblem> readFile(Path file) {
        return readFile(file, d -> true);
    }

    /** the problems of one file whose contest date passes `keep`, read line by line; private tests are checked but kept encoded */
    public static List<LcbProblem> readFile(Path file, java.util.function.Predicate<LocalDate> keep) {
        List<LcbProblem> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int i = 0;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                try {
                    LcbProblem p = parse(Jsonl.MAPPER.readTree(line), file, i);
                    if (keep.test(p.contestDate().toLocalDate())) {
                        p.privateTests(); // fail at load time, not in the middle of a run
                        out.add(p);
                    }
                } catch (IOException | RuntimeException e) {
                    throw new IllegalArgumentException(file + " record " + (i + 1) + ": " + e.getMessage(), e);
                }
                i++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    static LcbProblem parse(JsonNode r, Path file, int i) {
        String id = Jsonl.text(r, file, i, "question_id");
        String content = Jsonl.text(r, file, i, "question_content");
        String title = r.path("question_title").asText("");
        String starter = r.path("starter_code").asText("");
        String platform = r.path("platform").asText("");
        String difficulty = r.path("difficulty").asText("");
        LocalDateTime date = parseDate(Jsonl.text(r, file, i, "contest_date"));
        List<LcbTest> pub = tests(parseJson(Jsonl.text(r, file, i, "public_test_cases"), "public_test_cases"));
        JsonNode priv = r.get("private_test_cases");
        String prv = priv == null || priv.isNull() || priv.asText().isBlank() ? "[]" : priv.asText();
        String funcName = null;
        JsonNode meta = r.get("metadata");
        if (meta != null && !meta.isNull()) {
            JsonNode m = meta.isTextual() ? parseJson(meta.asText().isBlank() ? "{}" : meta.asText(), "metadata") : meta;
            JsonNode fn = m.get("func_name");
            if (fn != null && !fn.isNull() && !fn.asText().isEmpty()) funcName = fn.asText();
        }
        return new LcbProblem(id, title, content, starter, platform, difficulty, date, pub, prv, funcName);
    }

    static LocalDateTime parseDate(String s) {
        try {
            return LocalDateTime.parse(s.replace(' ', 'T'));
        } catch (DateTimeParseException e) {
            return LocalDate.parse(s.substring(0, Math.min(10, s.length()))).atStartOfDay();
        }
    }

    private static JsonNode parseJson(String s, String what) {
        try {
            return Jsonl.MAPPER.readTree(s);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** plain JSON, or base64(zlib(pickle(str) | json text)) */
    static JsonNode privateTests(String s) {
        String t = s.strip();
        if (t.startsWith("[")) return parseJson(t, "private_test_cases");
        byte[] raw;
        try {
            raw = inflate(Base64.getDecoder().decode(t));
        } catch (IllegalArgumentException | DataFormatException e) {
            throw new IllegalArgumentException("private_test_cases is neither JSON nor base64+zlib: " + e.getMessage(), e);
        }
        String json = PickledString.looksLikePickle(raw) ? PickledString.decode(raw) : new String(raw, StandardCharsets.UTF_8);
        return parseJson(json, "private_test_cases");
    }

    private static byte[] inflate(byte[] data) throws DataFormatException {
        Inflater inf = new Inflater();
        inf.setInput(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length * 4);
        byte[] buf = new byte[1 << 16];
        try {
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) throw new DataFormatException("truncated zlib stream");
                out.write(buf, 0, n);
            }
        } finally {
            inf.end();
        }
        return out.toByteArray();
    }

    static List<LcbTest> tests(JsonNode arr) {
        if (!arr.isArray()) throw new IllegalArgumentException("test cases must be a JSON array");
        List<LcbTest> out = new ArrayList<>(arr.size());
        for (JsonNode t : arr) {
            out.add(new LcbTest(t.path("input").asText(), t.path("output").asText(), LcbTest.Type.parse(t.path("testtype").asText())));
        }
        return out;
    }
}
