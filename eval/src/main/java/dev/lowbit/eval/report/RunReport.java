package dev.lowbit.eval.report;

import dev.lowbit.eval.Jsonl;
import dev.lowbit.util.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** summary.json / summary.md / summary.csv of one run, optionally with a baseline for Drop */
public final class RunReport {
    private RunReport() {}

    public static void write(Path dir, RunSummary summary) {
        write(dir, summary, null);
    }

    /** baseline may be null; otherwise it is the first row and Drop is measured against it */
    public static void write(Path dir, RunSummary summary, RunSummary baseline) {
        List<StudyTable.Row> rows = new ArrayList<>();
        if (baseline != null) rows.add(new StudyTable.Row(baseline.label(), "", baseline));
        rows.add(new StudyTable.Row(summary.label(), "", summary));
        int base = baseline != null ? 0 : -1;
        String md = "# " + summary.label() + "\n\n## Accuracy (%)\n\n" + StudyTable.markdown(rows, base)
                + "\n## Output length and speed\n\n" + StudyTable.lengthMarkdown(rows);
        String byLevel = StudyTable.levelMarkdown(rows);
        if (!byLevel.isEmpty()) md += "\n## By difficulty level\n\n" + byLevel;
        try {
            Files.createDirectories(dir);
            // atomic: a --baseline reader or a crash never sees half a summary
            AtomicFiles.writeString(dir.resolve("summary.json"), Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(summary));
            AtomicFiles.writeString(dir.resolve("summary.md"), md);
            AtomicFiles.writeString(dir.resolve("summary.csv"), StudyTable.csv(rows, base));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the summary into " + dir, e);
        }
    }

    public static RunSummary read(Path summaryJson) {
        try {
            return Jsonl.MAPPER.readValue(summaryJson.toFile(), RunSummary.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + summaryJson, e);
        }
    }
}
