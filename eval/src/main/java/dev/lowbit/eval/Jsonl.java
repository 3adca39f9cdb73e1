package dev.lowbit.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads JSON Lines files; a malformed line is reported with its file and line number. */
public final class Jsonl {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Jsonl() {}

    public static List<JsonNode> read(Path file) {
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                try {
                    out.add(MAPPER.readTree(line));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ":" + n + ": not valid JSON: " + e.getOriginalMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    /** the text of the first of `names` that the object has (numbers rendered as text) */
    public static String text(JsonNode row, Path file, int index, String... names) {
        for (String name : names) {
            JsonNode v = row.get(name);
            if (v != null && !v.isNull()) return v.isValueNode() ? v.asText() : v.toString();
        }
        throw new IllegalArgumentException(file + " record " + (index + 1) + ": none of the fields " + String.join(", ", names));
    }
}
