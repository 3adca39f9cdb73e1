package dev.lowbit.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lowbit.eval.EvalRecord;
import dev.lowbit.eval.RecordStore;
import dev.lowbit.eval.errors.ErrorReport;
import dev.lowbit.eval.errors.ErrorTaxonomy;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `lowbit errors RUN...`: why the answers of eval runs are wrong, per run and level. */
@Command(name = "errors", mixinStandardHelpOptions = true,
        description = "Classify the answers of eval runs (their records.jsonl): truncated, looping, no answer, wrong; testbed answers "
                + "traced to their first wrong step (copy, arithmetic, operand, operation, skipped or extra event). A Markdown table per run and level.")
final class ErrorsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RUN", description = "eval output directories (records.jsonl, run.json), e.g. a sweep's plan directories")
    List<Path> runs;

    @Option(names = "--json", description = "print the counts as JSON instead of Markdown")
    boolean json;

    @Option(names = "--records", paramLabel = "FILE.jsonl", description = "also write every record's kind, step and detail, one JSON object per line")
    Path records;

    @Override
    public Integer call() throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<ErrorReport.Run> classified = new ArrayList<>();
        for (Path dir : runs) {
            Path file = dir.resolve(RecordStore.FILE);
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException(dir + " has no " + RecordStore.FILE + " (give an eval --out directory)");
            Path runJson = dir.resolve("run.json");
            JsonNode run = Files.isRegularFile(runJson) ? m.readTree(runJson.toFile()) : m.createObjectNode();
            int maxTokens = run.path("max_tokens").asInt(32768);
            String name = run.path("engine").asText(dir.getFileName().toString());
            List<EvalRecord> recs = RecordStore.read(file);
            List<ErrorTaxonomy.Classification> kinds = new ArrayList<>();
            for (EvalRecord r : recs) kinds.add(ErrorTaxonomy.classify(r, maxTokens));
            classified.add(new ErrorReport.Run(name, recs, kinds));
        }
        if (records != null) writeRecords(m, classified);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ArrayNode arr = m.createArrayNode();
            for (ErrorReport.Run r : classified) {
                ObjectNode o = arr.addObject().put("run", r.name()).put("records", r.records().size());
                ObjectNode c = o.putObject("kinds");
                r.counts().forEach((k, v) -> c.put(k.name().toLowerCase(java.util.Locale.ROOT), v));
            }
            out.println(m.writerWithDefaultPrettyPrinter().writeValueAsString(arr));
        } else {
            out.print(ErrorReport.markdown(classified));
        }
        out.flush();
        return 0;
    }

    /** one line per record, written to a temporary file and renamed, so an interrupted run leaves no partial file */
    private void writeRecords(ObjectMapper m, List<ErrorReport.Run> runs) throws java.io.IOException {
        Path tmp = records.resolveSibling(records.getFileName() + ".tmp");
        try (var w = Files.newBufferedWriter(tmp)) {
            for (ErrorReport.Run r : runs)
                for (int i = 0; i < r.records().size(); i++) {
                    EvalRecord e = r.records().get(i);
                    ErrorTaxonomy.Classification c = r.kinds().get(i);
                    ObjectNode o = m.createObjectNode().put("run", r.name()).put("key", e.key()).put("kind", c.kind().name().toLowerCase(java.util.Locale.ROOT))
                            .put("step", c.step()).put("detail", c.detail());
                    if (e.level() != null) o.put("level", e.level());
                    w.write(m.writeValueAsString(o));
                    w.newLine();
                }
        }
        Files.move(tmp, records, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

}
