package dev.lowbit.eval.diverge;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lowbit.eval.Jsonl;
import dev.lowbit.eval.RecordStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * diverge.jsonl, kept as eval's {@link RecordStore} keeps records.jsonl: one record appended and
 * flushed per problem; reopening resumes (complete records kept, first per key; a partial last
 * line cut off). Records of another run (another plan, sampling or token limit) are refused
 * rather than mixed in.
 */
public final class DivergeStore implements AutoCloseable {
    public static final String FILE = "diverge.jsonl";

    private final Path file;
    private final Map<String, DivergeRecord> records = new LinkedHashMap<>();
    private final BufferedWriter out;

    public DivergeStore(Path dir, String run) {
        this.file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                RecordStore.dropPartialLastLine(file);
                for (DivergeRecord r : read(file)) {
                    if (!run.equals(r.run()))
                        throw new IllegalArgumentException(file + " holds records of '" + r.run() + "', not '" + run + "': use another --out");
                    records.putIfAbsent(r.key(), r);
                }
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    public boolean has(String key) {
        return records.containsKey(key);
    }

    public List<DivergeRecord> records() {
        return List.copyOf(records.values());
    }

    public void append(DivergeRecord r) {
        if (records.containsKey(r.key())) return;
        try {
            out.write(Jsonl.MAPPER.writeValueAsString(r));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        records.put(r.key(), r);
    }

    public static List<DivergeRecord> read(Path file) {
        List<DivergeRecord> out = new ArrayList<>();
        try {
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                if (line.isBlank()) continue;
                try {
                    out.add(Jsonl.MAPPER.readValue(line, DivergeRecord.class));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ":" + n + ": not a diverge record: " + e.getOriginalMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
