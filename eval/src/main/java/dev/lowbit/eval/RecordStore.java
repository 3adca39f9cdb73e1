package dev.lowbit.eval;

import java.nio.file.Path;
import java.util.List;

/** A run's records.jsonl (a {@link JsonlStore} of {@link EvalRecord}s, keyed by benchmark, problem and seed). */
public final class RecordStore extends JsonlStore<EvalRecord> {
    public static final String FILE = "records.jsonl";

    public RecordStore(Path dir) {
        super(dir.resolve(FILE), EvalRecord.class, EvalRecord::key, "record", r -> {});
    }

    /** every complete record of a records.jsonl file, in file order */
    public static List<EvalRecord> read(Path file) {
        return read(file, EvalRecord.class, "record");
    }
}
