package dev.lowbit.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's records.jsonl: appended and flushed one record at a time, so a killed run loses only
 * what was in flight. Opening an existing file resumes it: complete records are kept (first one
 * wins per key) and a partial last line left by a kill is cut off.
 */
public final class RecordStore implements AutoCloseable {
    public static final String FILE = "records.jsonl";

    private final Path file;
    private final Map<String, EvalRecord> records = new LinkedHashMap<>();
    private final BufferedWriter out;

    public RecordStore(Path dir) {
        this.file = dir.resolve(FILE);
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                dropPartialLastLine(file);
                for (EvalRecord r : read(file)) records.putIfAbsent(r.key(), r);
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    public synchronized boolean has(String key) {
        return records.containsKey(key);
    }

    public synchronized List<EvalRecord> records() {
        return Collections.unmodifiableList(new ArrayList<>(records.values()));
    }

    /** appends and flushes one record; a duplicate key is ignored */
    public synchronized void append(EvalRecord r) {
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

    /** every complete record of a records.jsonl file, in file order */
    public static List<EvalRecord> read(Path file) {
        List<EvalRecord> out = new ArrayList<>();
        try {
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                if (line.isBlank()) continue;
                try {
                    out.add(Jsonl.MAPPER.readValue(line, EvalRecord.class));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ":" + n + ": not a record: " + e.getOriginalMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    /** cuts a partial last line (a kill in mid-write) off a JSON Lines file; also used by diverge.jsonl */
    public static void dropPartialLastLine(Path file) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long len = raf.length();
            long keep = len;
            while (keep > 0) {
                raf.seek(keep - 1);
                if (raf.read() == '\n') break;
                keep--;
            }
            if (keep != len) raf.setLength(keep);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
