package dev.lowbit.eval.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lowbit.eval.EvalRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a run measured, per benchmark: accuracy per seed (100 x mean over its problems of the
 * verdict, as the study's make_stats_table does), mean output tokens, mean reasoning steps, and
 * the decode speed (output tokens / generation seconds, summed over records); for benchmarks that
 * grade their problems (the testbed), accuracy per seed and mean output tokens per level too.
 */
public record RunSummary(
        @JsonProperty("label") String label,
        @JsonProperty("accuracy") Map<String, Map<Long, Double>> accuracy,
        @JsonProperty("problems") Map<String, Integer> problems,
        @JsonProperty("mean_output_tokens") Map<String, Double> meanOutputTokens,
        @JsonProperty("mean_steps") Map<String, Double> meanSteps,
        @JsonProperty("record_count") int recordCount,
        @JsonProperty("output_tokens") long outputTokens,
        @JsonProperty("generation_seconds") double generationSeconds,
        @JsonProperty("level_accuracy") Map<String, Map<Integer, Map<Long, Double>>> levelAccuracy,
        @JsonProperty("level_output_tokens") Map<String, Map<Integer, Double>> levelOutputTokens) {

    public RunSummary {
        // summaries written before levels were recorded have neither map
        levelAccuracy = levelAccuracy == null ? Map.of() : levelAccuracy;
        levelOutputTokens = levelOutputTokens == null ? Map.of() : levelOutputTokens;
    }

    /** decode tokens per second over the whole run; NaN when no time was recorded */
    public double tokensPerSecond() {
        return generationSeconds > 0 ? outputTokens / generationSeconds : Double.NaN;
    }

    public static RunSummary of(String label, Collection<EvalRecord> records) {
        Map<String, Map<Long, List<Boolean>>> verdicts = new TreeMap<>();
        Map<String, List<Double>> tokens = new TreeMap<>(), steps = new TreeMap<>();
        Map<String, Map<Integer, Map<Long, List<Boolean>>>> levelVerdicts = new TreeMap<>();
        Map<String, Map<Integer, List<Double>>> levelTok = new TreeMap<>();
        long totalTokens = 0;
        double totalSeconds = 0;
        for (EvalRecord r : records) {
            verdicts.computeIfAbsent(r.benchmark(), k -> new TreeMap<>()).computeIfAbsent(r.seed(), k -> new ArrayList<>()).add(r.correct());
            tokens.computeIfAbsent(r.benchmark(), k -> new ArrayList<>()).add((double) r.outputTokens());
            steps.computeIfAbsent(r.benchmark(), k -> new ArrayList<>()).add((double) r.steps());
            if (r.level() != null) {
                levelVerdicts.computeIfAbsent(r.benchmark(), k -> new TreeMap<>()).computeIfAbsent(r.level(), k -> new TreeMap<>())
                        .computeIfAbsent(r.seed(), k -> new ArrayList<>()).add(r.correct());
                levelTok.computeIfAbsent(r.benchmark(), k -> new TreeMap<>()).computeIfAbsent(r.level(), k -> new ArrayList<>())
                        .add((double) r.outputTokens());
            }
            totalTokens += r.outputTokens();
            totalSeconds += r.seconds();
        }
        Map<String, Map<Long, Double>> acc = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        verdicts.forEach((bench, bySeed) -> {
            acc.put(bench, percentCorrect(bySeed));
            counts.put(bench, bySeed.values().stream().mapToInt(List::size).max().orElse(0));
        });
        Map<String, Double> meanTok = new LinkedHashMap<>(), meanSteps = new LinkedHashMap<>();
        tokens.forEach((b, xs) -> meanTok.put(b, Stats.mean(xs)));
        steps.forEach((b, xs) -> meanSteps.put(b, Stats.mean(xs)));
        Map<String, Map<Integer, Map<Long, Double>>> levelAcc = new LinkedHashMap<>();
        levelVerdicts.forEach((bench, byLevel) -> {
            Map<Integer, Map<Long, Double>> m = new TreeMap<>();
            byLevel.forEach((level, bySeed) -> m.put(level, percentCorrect(bySeed)));
            levelAcc.put(bench, m);
        });
        Map<String, Map<Integer, Double>> levelMeanTok = new LinkedHashMap<>();
        levelTok.forEach((bench, byLevel) -> {
            Map<Integer, Double> m = new TreeMap<>();
            byLevel.forEach((level, xs) -> m.put(level, Stats.mean(xs)));
            levelMeanTok.put(bench, m);
        });
        return new RunSummary(label, acc, counts, meanTok, meanSteps, records.size(), totalTokens, totalSeconds, levelAcc, levelMeanTok);
    }

    private static Map<Long, Double> percentCorrect(Map<Long, List<Boolean>> bySeed) {
        Map<Long, Double> m = new TreeMap<>();
        bySeed.forEach((seed, vs) -> m.put(seed, 100.0 * vs.stream().filter(b -> b).count() / vs.size()));
        return m;
    }

    /** per-seed accuracy of a benchmark, or of the derived "aime120" column */
    public Map<Long, Double> perSeed(String column) {
        if (column.equals(StudyTable.AIME120)) return aime120();
        return accuracy.getOrDefault(column, Map.of());
    }

    /** AIME-120 = 0.75 x AIME-90 + 0.25 x AIME-2025 per seed (the study's make_stats_table) */
    public Map<Long, Double> aime120() {
        Map<Long, Double> a90 = accuracy.getOrDefault("aime90", Map.of()), a25 = accuracy.getOrDefault("aime25", Map.of());
        Map<Long, Double> out = new TreeMap<>();
        for (Map.Entry<Long, Double> e : a90.entrySet()) {
            Double b = a25.get(e.getKey());
            if (b != null) out.put(e.getKey(), 0.75 * e.getValue() + 0.25 * b);
        }
        return out;
    }

    /** mean output tokens over all records */
    public double meanOutputTokensOverall() {
        return recordCount == 0 ? Double.NaN : (double) outputTokens / recordCount;
    }
}
