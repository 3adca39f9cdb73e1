package dev.lowbit.eval.catalogue;

import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.GpqaBenchmark;
import dev.lowbit.eval.MathBenchmark;
import dev.lowbit.eval.MathDatasets;
import dev.lowbit.eval.MathGold;
import dev.lowbit.eval.StudyScoring;
import dev.lowbit.eval.lcb.LcbGrader;
import dev.lowbit.eval.lcb.LcbLoader;
import dev.lowbit.eval.lcb.LcbSubset;
import dev.lowbit.eval.lcb.LiveCodeBenchBenchmark;
import dev.lowbit.eval.lcb.PythonSandbox;
import dev.lowbit.eval.lcb.SandboxLimits;
import dev.lowbit.eval.testbed.TestbedBenchmark;
import dev.lowbit.util.SearchPath;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The benchmark catalogue: ids, display names and where each data set lives under the data
 * search path (LOWBIT_DATA_PATH).
 */
public final class Benchmarks {
    private Benchmarks() {}

    /** ids accepted by {@link #load}, in the study's table order where they appear there */
    public static final List<String> IDS = List.of("aime90", "aime25", "aime24", "math500", "gsm8k", "gpqa", "lcb", "amc23");

    private static final Map<String, List<String>> FILES = Map.of(
            "gsm8k", List.of("gsm8k/test.jsonl"),
            "math500", List.of("math500/test.jsonl"),
            "aime24", List.of("aime24/test.jsonl"),
            "aime25", List.of("aime25/test.jsonl"),
            "aime90", List.of("aime90/test.jsonl", "aime90/train.jsonl", "AIME90/train.jsonl"),
            "amc23", List.of("amc23/test.jsonl"),
            "gpqa", List.of("gpqa_diamond/gpqa_diamond.csv", "gpqa_diamond/gpqa_diamond.min.jsonl"),
            "lcb", List.of("livecodebench", "code_generation_lite", "lcb"));

    /**
     * Parses a comma-separated benchmark list as the CLI takes it: ids, display-name aliases
     * (gpqa-diamond, math-500, livecodebench, aime2025, ...), "aime120" (= aime90 + aime25, whose
     * weighted mean the report shows) and "study" (the study's five: aime90, aime25, math500,
     * gsm8k, gpqa, lcb). Order is kept, repeats dropped.
     */
    public static List<String> parseList(String csv) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (String raw : csv.split(",")) {
            String t = raw.strip().toLowerCase(java.util.Locale.ROOT).replace("_", "-");
            if (t.isEmpty()) continue;
            if (TestbedBenchmark.parse(t) != null) {
                out.add(t);
                continue;
            }
            switch (t) {
                case "study" -> out.addAll(List.of("aime90", "aime25", "math500", "gsm8k", "gpqa", "lcb"));
                case "aime120", "aime-120" -> out.addAll(List.of("aime90", "aime25"));
                case "gpqa-diamond", "gpqa-d" -> out.add("gpqa");
                case "math-500", "math" -> out.add("math500");
                case "livecodebench", "lcb-v4-v5" -> out.add("lcb");
                case "aime-2024", "aime2024" -> out.add("aime24");
                case "aime-2025", "aime2025" -> out.add("aime25");
                case "aime-90" -> out.add("aime90");
                case "amc", "amc-23" -> out.add("amc23");
                default -> {
                    if (!IDS.contains(t)) throw new IllegalArgumentException("unknown benchmark '" + raw.strip() + "' (known: " + IDS + ", aime120, study, testbed[:SEED[:PER_LEVEL]])");
                    out.add(t);
                }
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no benchmark given");
        return List.copyOf(out);
    }

    /** "42,43,44" -> [42, 43, 44] */
    public static List<Long> parseSeeds(String csv) {
        List<Long> out = new java.util.ArrayList<>();
        for (String s : csv.split(",")) {
            if (s.isBlank()) continue;
            try {
                out.add(Long.parseLong(s.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a seed: '" + s.strip() + "'");
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no seed given");
        return List.copyOf(out);
    }

    public static String displayName(String id) {
        return switch (id) {
            case "gsm8k" -> "GSM8K";
            case "math500" -> "MATH-500";
            case "aime24" -> "AIME-2024";
            case "aime25" -> "AIME-2025";
            case "aime90" -> "AIME-90";
            case "aime120" -> "AIME-120";
            case "amc23" -> "AMC23";
            case "gpqa" -> "GPQA-Diamond";
            case "lcb" -> "LiveCodeBench";
            case TestbedBenchmark.ID -> "Testbed";
            default -> id;
        };
    }

    /** the data file (or LiveCodeBench directory) of a benchmark on the data search path */
    public static Path dataFile(String id) {
        List<String> candidates = FILES.get(id);
        if (candidates == null) throw new IllegalArgumentException("unknown benchmark '" + id + "' (known: " + IDS + ")");
        for (String c : candidates) {
            Optional<Path> p = SearchPath.findData(c);
            if (p.isPresent()) return p.get();
        }
        throw new IllegalArgumentException("data for " + id + " not found: looked for " + candidates + " under "
                + SearchPath.data() + " (set " + SearchPath.DATA_ENV + ")");
    }

    /** loads a benchmark from the data search path */
    public static Benchmark load(String id, StudyScoring scoring, LcbSubset lcbSubset, SandboxLimits sandboxLimits) {
        TestbedBenchmark.Spec testbed = TestbedBenchmark.parse(id);
        if (testbed != null) return new TestbedBenchmark(testbed, scoring.math(MathGold.EXPR));   // generated, no data file
        return load(id, dataFile(id), scoring, lcbSubset, sandboxLimits);
    }

    /** loads a benchmark from an explicit file (or LiveCodeBench directory) */
    public static Benchmark load(String id, Path data, StudyScoring scoring, LcbSubset lcbSubset, SandboxLimits sandboxLimits) {
        String name = displayName(id);
        return switch (id) {
            case "gsm8k" -> new MathBenchmark(id, name, MathDatasets.gsm8k(data), scoring.math(MathGold.EXPR));
            case "math500" -> new MathBenchmark(id, name, MathDatasets.math500(data), scoring.math(MathGold.LATEX));
            case "aime24", "aime25", "aime90", "amc23" ->
                    new MathBenchmark(id, name, MathDatasets.problemAnswer(data), scoring.math(MathGold.EXPR));
            case "gpqa" -> GpqaBenchmark.load(data, scoring.multipleChoice(4));
            case "lcb" -> new LiveCodeBenchBenchmark(LcbLoader.load(data, lcbSubset), new LcbGrader(new PythonSandbox(sandboxLimits)));
            default -> throw new IllegalArgumentException("unknown benchmark '" + id + "' (known: " + IDS + ")");
        };
    }
}
