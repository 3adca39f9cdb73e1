package dev.lowbit.eval.diverge;

import dev.lowbit.eval.JsonlStore;
import java.nio.file.Path;

/**
 * diverge.jsonl, kept as eval's records.jsonl ({@link JsonlStore}): one record appended and
 * flushed per problem; reopening resumes. Records of another run (another plan, sampling or token
 * limit) are refused rather than mixed in.
 */
public final class DivergeStore extends JsonlStore<DivergeRecord> {
    public static final String FILE = "diverge.jsonl";

    public DivergeStore(Path dir, String run) {
        super(dir.resolve(FILE), DivergeRecord.class, DivergeRecord::key, "diverge record", r -> {
            if (!run.equals(r.run()))
                throw new IllegalArgumentException(dir.resolve(FILE) + " holds records of '" + r.run() + "', not '" + run + "': use another --out");
        });
    }
}
