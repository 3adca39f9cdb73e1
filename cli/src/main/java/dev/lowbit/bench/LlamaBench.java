package dev.lowbit.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * llama.cpp's own llama-bench, run as a subprocess on the same file with the same threads, test
 * sizes, micro-batch and repetitions (`-o json`), for the fairest ratio: its figures are raw
 * llama_decode timings, without the server loop the de.kherud binding adds. llama-bench is not
 * part of lowbit; build it from a llama.cpp tree beside the project (../shared/docs/PERFORMANCE.md).
 */
public final class LlamaBench implements ReferenceEngine {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path exe;
    private final Path gguf;
    private final BenchSettings s;
    private final Consumer<String> progress;
    private String build = "?";

    public LlamaBench(Path exe, Path gguf, BenchSettings settings, Consumer<String> progress) {
        this.exe = exe;
        this.gguf = gguf;
        this.s = settings;
        this.progress = progress == null ? m -> {} : progress;
    }

    /** llama-bench on the PATH, or null */
    static Path onPath() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "llama-bench");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** the command line: lowbit's -p/-n/-r/-t/-ub/-d map one to one onto llama-bench's flags of the same names */
    List<String> command() {
        List<String> cmd = new ArrayList<>(List.of(exe.toString(), "-m", gguf.toAbsolutePath().toString(),
                "-t", Integer.toString(s.threads()), "-p", Integer.toString(s.promptTokens()), "-n", Integer.toString(s.genTokens()),
                "-r", Integer.toString(s.reps()), "-ub", Integer.toString(s.ubatch()), "-o", "json"));
        if (s.depth() > 0) cmd.addAll(List.of("-d", Integer.toString(s.depth())));
        return cmd;
    }

    @Override
    public List<BenchRow> run() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command());
        progress.accept("llama-bench: running");
        Process p = pb.start();
        p.getOutputStream().close();
        // stderr: its log, shown as progress; the last lines are kept for the error message
        Deque<String> tail = new ArrayDeque<>();
        Thread err = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 20) tail.removeFirst();
                    }
                    if (!line.isBlank()) progress.accept("llama-bench: " + line.strip());
                }
            } catch (IOException ignored) {
                // the process is gone; its exit code tells what happened
            }
        }, "llama-bench-stderr");
        err.setDaemon(true);
        err.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code;
        try {
            code = p.waitFor();
            err.join(5000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while llama-bench ran", e);
        }
        if (code != 0) {
            String last;
            synchronized (tail) {
                last = String.join("\n", tail);
            }
            throw new IOException(exe + " exited with code " + code + (last.isBlank() ? "" : ":\n" + last));
        }
        return parse(out);
    }

    /** rows from llama-bench's `-o json` output (an array with one object per test) */
    List<BenchRow> parse(String json) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IOException("llama-bench printed no JSON array (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isArray() || root.isEmpty()) throw new IOException("llama-bench printed no test results");
        List<BenchRow> rows = new ArrayList<>();
        for (JsonNode t : root) {
            int nPrompt = need(t, "n_prompt").asInt(), nGen = need(t, "n_gen").asInt(), depth = t.path("n_depth").asInt(0);
            JsonNode samples = need(t, "samples_ts");
            double[] ts = new double[samples.size()];
            for (int i = 0; i < ts.length; i++) ts[i] = samples.get(i).asDouble();
            if (ts.length == 0) throw new IOException("llama-bench test without samples: " + t);
            // lowbit's names ("pp128", "tg64@d4096"); a -pg test (both counts) has no lowbit counterpart
            String kind = nGen == 0 ? "pp" + nPrompt : nPrompt == 0 ? "tg" + nGen : "pp" + nPrompt + "+tg" + nGen;
            String test = kind + (depth > 0 ? "@d" + depth : "");
            long size = need(t, "model_size").asLong();
            build = t.path("build_commit").asText("?") + " (build " + t.path("build_number").asText("?") + ")";
            rows.add(new BenchRow("llama.cpp", gguf.getFileName().toString(), t.path("model_type").asText("?"), "-", size,
                    need(t, "model_n_params").asLong(), "CPU llama-bench", t.path("n_threads").asInt(s.threads()), test,
                    nPrompt, nGen, 1, Stats.of(ts), nGen > 0 ? size : 0, 0, null, null));
        }
        return rows;
    }

    private static JsonNode need(JsonNode t, String field) throws IOException {
        JsonNode v = t.get(field);
        if (v == null || v.isNull()) throw new IOException("llama-bench result without " + field + ": " + t);
        return v;
    }

    @Override
    public String method() {
        List<String> cmd = command();
        List<String> args = new ArrayList<>(cmd.subList(1, cmd.size()));
        args.set(1, "FILE"); // one reference serves every model of the run
        return "llama-bench " + build + " (" + exe + "), a subprocess: " + String.join(" ", args)
                + "; t/s of each repetition as it reports them";
    }

    @Override
    public void close() {}
}
