package dev.lowbit.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Formats a bench result as a llama-bench-like Markdown table or as JSON. */
public final class BenchReport {
    private BenchReport() {}

    public static String table(BenchResult r) {
        StringBuilder sb = new StringBuilder();
        if (r.machine() != null) {
            sb.append("machine: ");
            r.machine().forEach((k, v) -> sb.append(k).append('=').append(v).append("  "));
            sb.append('\n');
            if (MachineInfo.oversubscribed(r.machine()))
                sb.append("warning: load average above the core count: figures are noisy (compare ratios measured in this run)\n");
            sb.append('\n');
        }
        if (r.bandwidthGbs() != null)
            sb.append(String.format("read bandwidth (roofline probe, %d threads): %.1f ± %.1f GB/s (max %.1f)%n%n", r.settings().threads(),
                    r.bandwidthGbs().mean(), r.bandwidthGbs().std(), r.bandwidthGbs().max()));
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"engine", "model", "plan", "size", "params", "backend", "threads", "test", "t/s", "B/tok (weights)",
                "GB/s", "KV B/tok", "ceiling t/s", "vs llama.cpp"});
        for (BenchRow x : r.rows()) {
            cells.add(new String[] {x.engine(), x.model() + " (" + x.modelType() + ")", x.plan(), mib(x.sizeBytes()), millions(x.params()),
                    x.backend(), Integer.toString(x.threads()), x.test(), x.ts().toString(),
                    x.weightBytesPerToken() > 0 ? mib((long) x.weightBytesPerToken()) : "-",
                    x.weightBytesPerToken() > 0 ? String.format("%.1f", x.gbPerSecond()) : "-",
                    x.kvBytesPerToken() > 0 ? Long.toString(x.kvBytesPerToken()) : "-",
                    x.ceilingTs() == null ? "-" : String.format("%.1f", x.ceilingTs()),
                    x.ratio() == null ? "-" : String.format("%.2f ± %.2f", x.ratio().mean(), x.ratio().std())});
        }
        int[] w = new int[cells.get(0).length];
        for (String[] row : cells) for (int i = 0; i < row.length; i++) w[i] = Math.max(w[i], row[i].length());
        for (int k = 0; k < cells.size(); k++) {
            String[] row = cells.get(k);
            sb.append('|');
            for (int i = 0; i < row.length; i++) {
                boolean numeric = i >= 3 && i != 5 && i != 7;
                sb.append(' ').append(numeric ? pad(row[i], w[i], true) : pad(row[i], w[i], false)).append(" |");
            }
            sb.append('\n');
            if (k == 0) {
                sb.append('|');
                for (int i = 0; i < row.length; i++) {
                    boolean numeric = i >= 3 && i != 5 && i != 7;
                    sb.append(' ').append("-".repeat(Math.max(1, w[i] - 1))).append(numeric ? ":" : "-").append(" |");
                }
                sb.append('\n');
            }
        }
        if (r.llamaCppMethod() != null) sb.append("\nllama.cpp figures: ").append(r.llamaCppMethod()).append('\n');
        return sb.toString();
    }

    public static String json(BenchResult r) {
        Map<String, Object> top = new LinkedHashMap<>();
        Map<String, Object> set = new LinkedHashMap<>();
        set.put("n_prompt", r.settings().promptTokens());
        set.put("n_gen", r.settings().genTokens());
        set.put("batches", r.settings().batches());
        set.put("n_threads", r.settings().threads());
        set.put("repetitions", r.settings().reps());
        set.put("n_ubatch", r.settings().ubatch());
        set.put("n_depth", r.settings().depth());
        top.put("settings", set);
        if (r.machine() != null) top.put("machine", r.machine());
        if (r.bandwidthGbs() != null) {
            Map<String, Object> bw = new LinkedHashMap<>();
            bw.put("avg_gbs", r.bandwidthGbs().mean());
            bw.put("stddev_gbs", r.bandwidthGbs().std());
            bw.put("samples_gbs", r.bandwidthGbs().samples());
            top.put("read_bandwidth", bw);
        }
        if (r.llamaCppMethod() != null) top.put("llama_cpp_method", r.llamaCppMethod());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (BenchRow x : r.rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("engine", x.engine());
            m.put("model_filename", x.model());
            m.put("model_type", x.modelType());
            m.put("plan", x.plan());
            m.put("model_size", x.sizeBytes());
            m.put("model_n_params", x.params());
            m.put("backends", x.backend());
            m.put("n_threads", x.threads());
            m.put("test", x.test());
            m.put("n_prompt", x.nPrompt());
            m.put("n_gen", x.nGen());
            m.put("n_seq", x.batch());
            m.put("avg_ts", x.ts().mean());
            m.put("stddev_ts", x.ts().std());
            m.put("samples_ts", x.ts().samples());
            m.put("weight_bytes_per_token", x.weightBytesPerToken());
            m.put("weight_gbs", x.gbPerSecond());
            m.put("kv_bytes_per_token", x.kvBytesPerToken());
            if (x.ceilingTs() != null) m.put("ceiling_ts", x.ceilingTs());
            if (x.ratio() != null) {
                m.put("ratio_vs_llama_cpp", x.ratio().mean());
                m.put("ratio_stddev", x.ratio().std());
            }
            rows.add(m);
        }
        top.put("rows", rows);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(top);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String mib(long bytes) {
        return bytes >= 1L << 30 ? String.format("%.2f GiB", bytes / (double) (1L << 30)) : String.format("%.2f MiB", bytes / (double) (1 << 20));
    }

    static String millions(long n) {
        return n >= 1_000_000_000L ? String.format("%.2f B", n / 1e9) : n >= 1_000_000 ? String.format("%.2f M", n / 1e6)
                : String.format("%.2f K", n / 1e3);
    }

    private static String pad(String s, int w, boolean right) {
        String fill = " ".repeat(w - s.length());
        return right ? fill + s : s + fill;
    }
}
