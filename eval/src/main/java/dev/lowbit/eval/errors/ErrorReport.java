package dev.lowbit.eval.errors;

import dev.lowbit.eval.EvalRecord;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Counts of each error kind per run (and per level), as a Markdown table; kinds no run has are left out. */
public final class ErrorReport {
    /** one run: its name, and the classification of each of its records, in record order */
    public record Run(String name, List<EvalRecord> records, List<ErrorTaxonomy.Classification> kinds) {
        /** records per kind, in the enum's order */
        public Map<ErrorKind, Integer> counts() {
            return countsAt(null);
        }

        /** records per kind at one level (null: all) */
        public Map<ErrorKind, Integer> countsAt(Integer level) {
            Map<ErrorKind, Integer> m = new EnumMap<>(ErrorKind.class);
            for (int i = 0; i < records.size(); i++)
                if (level == null || level.equals(records.get(i).level())) m.merge(kinds.get(i).kind(), 1, Integer::sum);
            return m;
        }
    }

    private ErrorReport() {}

    public static String markdown(List<Run> runs) {
        StringBuilder sb = new StringBuilder("# Why answers are wrong\n\n");
        sb.append("Records per kind (share of the run's records); testbed answers are traced to the first step that departs "
                + "from the problem, following the model's own running total.\n\n");
        table(sb, runs, null);
        Map<Integer, Boolean> levels = new TreeMap<>();
        for (Run r : runs) for (EvalRecord e : r.records()) if (e.level() != null) levels.put(e.level(), true);
        for (int level : levels.keySet()) {
            sb.append("\n## Level ").append(level).append("\n\n");
            table(sb, runs, level);
        }
        sb.append("\n## Kinds\n\n");
        for (ErrorKind k : ErrorKind.values()) sb.append("- **").append(k.label).append("**: ").append(k.description).append('\n');
        return sb.toString();
    }

    private static void table(StringBuilder sb, List<Run> runs, Integer level) {
        Map<ErrorKind, Boolean> used = new LinkedHashMap<>();
        for (ErrorKind k : ErrorKind.values()) for (Run r : runs) if (r.countsAt(level).containsKey(k)) used.put(k, true);
        sb.append("| Run | Records");
        for (ErrorKind k : used.keySet()) sb.append(" | ").append(k.label);
        sb.append(" |\n|---|---:");
        sb.append("|---:".repeat(used.size())).append("|\n");
        for (Run r : runs) {
            Map<ErrorKind, Integer> c = r.countsAt(level);
            int n = c.values().stream().mapToInt(Integer::intValue).sum();
            sb.append("| ").append(r.name()).append(" | ").append(n);
            for (ErrorKind k : used.keySet()) {
                int v = c.getOrDefault(k, 0);
                sb.append(" | ").append(v == 0 ? "-" : String.format(Locale.ROOT, "%d (%.1f%%)", v, 100.0 * v / n));
            }
            sb.append(" |\n");
        }
    }
}
