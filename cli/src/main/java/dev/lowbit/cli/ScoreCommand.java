package dev.lowbit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lowbit.eval.score.Conformance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** `lowbit score --cases FILE.jsonl [--json]`: checks the scorer against reference verdicts. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Run scorer conformance cases (shared/scoring/cases.jsonl format) and list disagreements.")
public final class ScoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--cases", required = true, paramLabel = "FILE.jsonl",
            description = "cases: one JSON object per line with id, gold, pred, gold_targets, precision, expected")
    Path cases;

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(cases)) throw new IllegalArgumentException("no such file: " + cases);
        Conformance.Result r = Conformance.run(cases);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode root = m.createObjectNode();
            root.put("agree", r.agree());
            root.put("total", r.total());
            root.put("percent", r.percent());
            ArrayNode dis = root.putArray("disagreements");
            for (Conformance.Disagreement d : r.disagreements()) dis.add(m.valueToTree(d));
            out.println(m.writeValueAsString(root));
        } else {
            out.printf(Locale.ROOT, "agreement: %d/%d (%.1f%%)%n", r.agree(), r.total(), r.percent());
            for (Conformance.Disagreement d : r.disagreements()) {
                out.printf(Locale.ROOT, "%s%n  gold: %s%n  pred: %s%n  expected: %d  got: %d%n  gold extracted: %s%n  pred extracted: %s%n",
                        d.id(), oneLine(d.gold()), oneLine(d.pred()), d.expected(), d.got(), d.goldExtracted(), d.predExtracted());
            }
        }
        out.flush();
        return 0;
    }

    private static String oneLine(String s) {
        String t = s.replace("\n", "\\n");
        return t.length() <= 200 ? t : t.substring(0, 197) + "...";
    }
}
