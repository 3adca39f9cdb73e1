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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A JSON Lines file of records, appended and flushed one record at a time, so a killed run loses
 * only what was in flight. Opening an existing file resumes it: complete records are kept (first
 * one wins per key; each checked by the owner, e.g. that it belongs to this run) and a partial last
 * line left by a kill is cut off. Eval's records.jsonl and diverge.jsonl are kept this way.
 */
public class JsonlStore<R> implements AutoCloseable {
    private final Path file;
    private final Function<R, String> key;
    private final Map<String, R> records = new LinkedHashMap<>();
    private final BufferedWriter out;

    /** what: the records' name in error messages ("record", "diverge record") */
    protected JsonlStore(Path file, Class<R> type, Function<R, String> key, String what, Consumer<R> check) {
        this.file = file;
        this.key = key;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file)) {
                dropPartialLastLine(file);
                for (R r : read(file, type, what)) {
                    check.accept(r);
                    records.putIfAbsent(key.apply(r), r);
                }
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    public synchronized boolean has(String k) {
        return records.containsKey(k);
    }

    public synchronized List<R> records() {
        return List.copyOf(records.values());
    }

    /** appends and flushes one record; a duplicate key is ignored */
    public synchronized void append(R r) {
        String k = key.apply(r);
        if (records.containsKey(k)) return;
        try {
            out.write(Jsonl.MAPPER.writeValueAsString(r));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        records.put(k, r);
    }

    /** every complete record of a file, in file order */
    public static <R> List<R> read(Path file, Class<R> type, String what) {
        List<R> out = new ArrayList<>();
        try {
            int n = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                n++;
                if (line.isBlank()) continue;
                try {
                    out.add(Jsonl.MAPPER.readValue(line, type));
                } catch (JsonProcessingException e) {
                    throw new IllegalArgumentException(file + ":" + n + ": not a " + what + ": " + e.getOriginalMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    /** cuts a partial last line (a kill in mid-write) off a JSON Lines file */
    static void dropPartialLastLine(Path file) throws IOException {
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
