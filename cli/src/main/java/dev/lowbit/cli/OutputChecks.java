package dev.lowbit.cli;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Checks of `eval`/`sweep` arguments that must fail before any model or benchmark work starts. */
final class OutputChecks {
    /** output tokens a context must leave after the longest prompt, or every answer is empty */
    static final int MIN_OUTPUT_TOKENS = 64;

    private OutputChecks() {}

    /** --out: not empty (Path.of("") is the working directory) and not an existing file */
    static void checkOut(Path out, String option) {
        if (out == null || out.toString().isBlank()) throw new IllegalArgumentException(option + " is empty: name an output directory");
        if (Files.exists(out) && !Files.isDirectory(out))
            throw new IllegalArgumentException(option + " " + out + " exists and is not a directory");
    }

    /** --baseline: a readable summary.json, checked before the run rather than after it */
    static void checkBaseline(Path baseline) {
        if (baseline == null) return;
        if (!Files.isRegularFile(baseline)) throw new IllegalArgumentException("--baseline " + baseline + ": no such summary file");
        try {
            RunReport.read(baseline);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--baseline " + baseline + " is not a lowbit summary.json: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a context that cannot hold the longest prompt of the run plus {@link
     * #MIN_OUTPUT_TOKENS}: otherwise every such problem is recorded as an empty wrong answer.
     */
    static void checkContext(LowbitModel m, List<Benchmark> benches, List<Long> seeds, int limit) {
        int ctx = m.config().contextLength();
        int longest = 0;
        String which = null;
        for (Benchmark b : benches) {
            Set<String> seen = new HashSet<>();
            for (long seed : seeds) {
                List<Problem> ps = b.problems(seed);
                int n = limit == 0 ? ps.size() : Math.min(limit, ps.size());
                for (Problem p : ps.subList(0, n)) {
                    if (!seen.add(p.id())) continue;
                    int len = m.chatPrompt(b.prompt(p)).length;
                    if (len > longest) {
                        longest = len;
                        which = b.id() + "/" + p.id();
                    }
                }
            }
        }
        if (longest + MIN_OUTPUT_TOKENS > ctx)
            throw new IllegalArgumentException("--ctx " + ctx + " cannot hold the prompts: the longest (" + which + ") is " + longest
                    + " tokens and at least " + MIN_OUTPUT_TOKENS + " output tokens are needed; use --ctx >= " + (longest + MIN_OUTPUT_TOKENS)
                    + " (0 = the model's own)");
    }
}
