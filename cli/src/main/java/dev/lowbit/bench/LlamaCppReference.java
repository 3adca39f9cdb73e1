package dev.lowbit.bench;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.model.Architecture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The same GGUF through llama.cpp (the de.kherud:llama binding, which embeds llama.cpp's
 * server loop) with the same thread count, for a ratio measured in the same process.
 *
 * <p>Method. The binding exposes completions, not llama-bench's raw decode calls, and its
 * server timings go to stderr rather than to the Java logger, so each figure comes from the
 * wall time of completions (prompt cache off, greedy, EOS ignored), differenced so the fixed
 * cost of a request (task queue, first sampling) cancels:
 * <ul>
 * <li>pp{p}: (p - 1) / (wall(prompt of p tokens, n_predict=1) - wall(prompt of 1 token, n_predict=1)).</li>
 * <li>tg{n}: n / (wall(short prompt, n_predict=n+1) - wall(same prompt, n_predict=1)): the first
 *     token comes from the prompt's logits, the n after it are decode steps.</li>
 * </ul>
 * Each repetition differences the minima of three completions of each kind; one warm-up pair runs first.
 */
public final class LlamaCppReference implements ReferenceEngine {
    private final Path path;
    private final BenchSettings s;
    private final LlamaModel llama;
    private final Consumer<String> progress;

    public LlamaCppReference(Path gguf, BenchSettings settings, Consumer<String> progress) {
        this.path = gguf;
        this.s = settings;
        this.progress = progress == null ? m -> {} : progress;
        int ctx = settings.contextNeeded() + 16;
        ModelParameters mp = new ModelParameters()
                .setModel(gguf.toAbsolutePath().toString())
                .setThreads(settings.threads())
                .setThreadsBatch(settings.threads())
                .setCtxSize(ctx)
                .setBatchSize(Math.max(settings.ubatch(), settings.promptTokens()))
                .setUbatchSize(settings.ubatch())
                .setParallel(1)
                .setGpuLayers(0)
                .disableLog();
        // the binding announces its native library on stdout; keep stdout clean for --json
        java.io.PrintStream out = System.out;
        System.setOut(System.err);
        try {
            this.llama = new LlamaModel(mp);
        } finally {
            System.setOut(out);
        }
    }

    /** pp and single-stream tg rows (no batched figure for llama.cpp here) */
    @Override
    public List<BenchRow> run() throws IOException {
        long size = 0, params = 0;
        String arch;
        try (GgufFile f = GgufFile.open(path)) {
            for (GgufTensor t : f.tensors()) {
                size += t.nbytes();
                params += t.elements();
            }
            arch = f.getString("general.architecture", "?");
        }
        String type = arch + " " + fileType(path);
        List<BenchRow> rows = new ArrayList<>();
        if (s.promptTokens() > 1) {
            String prompt = promptOf(s.promptTokens());
            String one = promptOf(1);
            int n = llama.encode(prompt).length;
            int n1 = llama.encode(one).length;
            double[] ts = new double[s.reps()];
            progress.accept("llama.cpp pp warm-up");
            wall(prompt, 1);
            wall(one, 1);
            for (int r = 0; r < s.reps(); r++) {
                progress.accept("llama.cpp pp " + (r + 1) + "/" + s.reps());
                ts[r] = (n - n1) / difference(prompt, 1, one, 1);
            }
            rows.add(row(type, size, params, "pp" + n, n, 0, Stats.of(ts)));
        }
        if (s.genTokens() > 0) {
            String prompt = promptOf(s.decodePrompt());
            int n = s.genTokens();
            double[] ts = new double[s.reps()];
            progress.accept("llama.cpp tg warm-up");
            wall(prompt, 1 + Math.min(n, 8));
            wall(prompt, 1);
            for (int r = 0; r < s.reps(); r++) {
                progress.accept("llama.cpp tg " + (r + 1) + "/" + s.reps());
                ts[r] = n / difference(prompt, n + 1, prompt, 1);
            }
            rows.add(row(type, size, params, s.tgName(), 0, n, Stats.of(ts)));
        }
        return rows;
    }

    /** how the figures were obtained */
    @Override
    public String method() {
        return "wall time of de.kherud:llama completions, differenced: pp = (p-1)/(t(p tokens, 1 out) - t(1 token, 1 out)), "
                + "tg = n/(t(n+1 out) - t(1 out)), each t the minimum of 3 completions (of up to 15 while the difference is not positive)";
    }

    /**
     * wall(a) - wall(b), each the minimum of 3 completions (the least disturbed: on a busy host a
     * single pair can even come out negative for a tiny model). While the difference is not
     * positive, 3 more completions of each join the minima (up to 15).
     */
    private double difference(String promptA, int nA, String promptB, int nB) {
        double a = Double.MAX_VALUE, b = Double.MAX_VALUE;
        for (int attempt = 0; attempt < 5; attempt++) {
            for (int i = 0; i < 3; i++) {
                a = Math.min(a, wall(promptA, nA));
                b = Math.min(b, wall(promptB, nB));
            }
            if (a > b) return a - b;
        }
        throw new IllegalStateException(String.format(
                "llama.cpp timings too noisy to difference: best of 15 completions %.3f ms vs %.3f ms "
                        + "(model too small for -p/-n, or host overloaded: use larger -p/-n)", a * 1e3, b * 1e3));
    }

    /** seconds of one greedy completion */
    private double wall(String prompt, int nPredict) {
        InferenceParameters ip = new InferenceParameters(prompt)
                .setNPredict(nPredict)
                .setCachePrompt(false)
                .setTemperature(0f)
                .setTopK(1)
                .setSeed(42)
                .setIgnoreEos(true);
        long t0 = System.nanoTime();
        llama.complete(ip);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** a plain-text prompt that llama.cpp's tokenizer turns into exactly (or as close as it can to) n tokens */
    String promptOf(int n) {
        String word = " the";
        int words = n;
        String text = word.repeat(words);
        for (int i = 0; i < 40; i++) {
            int have = llama.encode(text).length;
            if (have == n) return text;
            words = Math.max(1, have < n ? words + Math.max(1, (n - have) / 2) : words - Math.max(1, (have - n) / 2));
            text = word.repeat(words);
        }
        return text;
    }

    private BenchRow row(String type, long size, long params, String test, int nPrompt, int nGen, Stats ts) {
        return new BenchRow("llama.cpp", path.getFileName().toString(), type, "-", size, params, "CPU llama.cpp", s.threads(), test,
                nPrompt, nGen, 1, ts, nGen > 0 ? size : 0, 0, null, null);
    }

    private static String fileType(Path p) {
        try (GgufFile f = GgufFile.open(p)) {
            GgufTensor q = f.tensor(Architecture.of(f.getString("general.architecture", "")).name(Architecture.Tensor.ATTN_Q, 0));
            return q == null ? "?" : q.type().name();
        } catch (IOException e) { // a GgufFormatException too
            return "?";
        }
    }

    @Override
    public void close() {
        llama.close();
    }
}
