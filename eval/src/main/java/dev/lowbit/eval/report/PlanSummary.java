package dev.lowbit.eval.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One quantization plan's results in a sweep.
 *
 * @param plan                  plan name, e.g. "w4a16-g128"
 * @param wakv                  the study's W-A-KV bits label, e.g. "4-16-16"
 * @param bitsPerWeight         average stored bits per weight (scales and zeros included)
 * @param accuracy              mean accuracy (%) over seeds per table column (benchmark ids,
 *                              "aime120"), plus "avg"; empty when the plan was not evaluated
 * @param meanOutputTokens      mean generated tokens per record, NaN if none
 * @param decodeTokensPerSecond decode speed, NaN if not measured
 * @param ppl                   perplexity, or null
 * @param kl                    KL divergence to the baseline's next-token distribution, or null
 * @param run                   the full run summary for the study table, or null
 */
public record PlanSummary(String plan, String wakv, double bitsPerWeight, Map<String, Double> accuracy,
                          double meanOutputTokens, double decodeTokensPerSecond, Double ppl, Double kl, RunSummary run) {
    public PlanSummary {
        Objects.requireNonNull(plan, "plan");
        wakv = wakv == null ? "" : wakv;
        accuracy = Map.copyOf(accuracy);
    }

    /** a plan with only perplexity/KL and speed (e.g. a model that cannot reason) */
    public static PlanSummary ofPerplexity(String plan, String wakv, double bitsPerWeight, double decodeTokensPerSecond, Double ppl, Double kl) {
        return new PlanSummary(plan, wakv, bitsPerWeight, Map.of(), Double.NaN, decodeTokensPerSecond, ppl, kl, null);
    }

    /**
     * a plan from its eval run; accuracy columns follow the study table, decode speed is the
     * run's unless a separately measured one is given (NaN = use the run's)
     */
    public static PlanSummary fromRun(String plan, String wakv, double bitsPerWeight, RunSummary run,
                                      double decodeTokensPerSecond, Double ppl, Double kl) {
        List<String> cols = StudyTable.columns(run);
        Map<String, Double> acc = new LinkedHashMap<>();
        for (String c : cols) acc.put(c, StudyTable.cell(run.perSeed(c)).mean());
        if (!cols.isEmpty()) acc.put("avg", StudyTable.cell(StudyTable.avgPerSeed(run, cols)).mean());
        double speed = Double.isNaN(decodeTokensPerSecond) ? run.tokensPerSecond() : decodeTokensPerSecond;
        return new PlanSummary(plan, wakv, bitsPerWeight, acc, run.meanOutputTokensOverall(), speed, ppl, kl, run);
    }
}
