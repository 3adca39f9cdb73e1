package dev.lowbit.quality;

import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.model.Linear;
import dev.lowbit.model.LayerWeights;
import dev.lowbit.model.ModelWeights;
import dev.lowbit.model.Segment;
import dev.lowbit.model.Transformer;
import dev.lowbit.quant.QuantPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Perplexity and KL divergence of quantization plans against a base plan, computed in
 * lockstep: both models are loaded side by side and fed the same windows, so no logits are
 * stored (works for 150k-token vocabularies). The text is cut into windows of `ctx` tokens,
 * each starting with BOS; as llama.cpp does, only the second half of each window is scored so
 * every scored token has at least ctx/2 tokens of context. {@link #saveBase} keeps the base's
 * distributions in a file (SavedBase) for later comparisons without the base model.
 */
public final class QualityMeter {
    private QualityMeter() {}

    /** one model compared with the base: a plan applied at load, or a quantized file */
    public record Candidate(String label, Path model, QuantPlan plan) {}

    /** plans of one model against a base plan of the same model */
    public static List<QualityRow> measure(Path model, LoadOptions opts, QuantPlan base, List<QuantPlan> plans, String text,
                                           int ctx, Consumer<String> progress) throws IOException {
        List<Candidate> c = new ArrayList<>();
        for (QuantPlan p : plans) c.add(new Candidate(p.name(), model, p));
        return measure(model, opts, base, c, ctx, text, progress);
    }

    /** candidates (plans or quantized files of the same model, one vocabulary) against the base model under the base plan */
    public static List<QualityRow> measure(Path model, LoadOptions opts, QuantPlan base, List<Candidate> candidates, int ctx, String text,
                                           Consumer<String> progress) throws IOException {
        List<QualityRow> rows = new ArrayList<>();
        LoadOptions o = opts.withContext(ctx).withBatch(1);
        try (LowbitModel b = LowbitModel.load(model, o.withPlan(base))) {
            int[][] windows = windows(b, text, ctx);
            for (Candidate cand : candidates) {
                try (LowbitModel q = LowbitModel.load(cand.model(), o.withPlan(cand.plan()))) {
                    LogitStats st = new LogitStats();
                    for (int w = 0; w < windows.length; w++) {
                        compareWindow(b.internals().transformer(), q.internals().transformer(), windows[w], st);
                        report(progress, cand.label(), w, windows.length);
                    }
                    rows.add(st.row(cand.label(), bitsPerWeight(q.internals().weights())));
                }
            }
        }
        return rows;
    }

    /** the base model's distributions over the text's windows, top-k summarised and saved to {@code out} */
    public static SavedBase saveBase(Path model, LoadOptions opts, QuantPlan base, int ctx, String text, int topK, Path out,
                                     Consumer<String> progress) throws IOException {
        if (topK < 1) throw new IllegalArgumentException("--base-top-k must be >= 1");
        try (LowbitModel b = LowbitModel.load(model, opts.withContext(ctx).withBatch(1).withPlan(base))) {
            int[][] windows = windows(b, text, ctx);
            Transformer t = b.internals().transformer();
            List<SavedBase.Position> positions = new ArrayList<>();
            for (int w = 0; w < windows.length; w++) {
                int[] win = windows[w];
                float[][] lb = logitsAll(t, win);
                for (int i = win.length / 2; i < win.length - 1; i++) positions.add(SavedBase.summarize(lb[i], win[i + 1], topK));
                report(progress, "base " + base.name(), w, windows.length);
            }
            int vocab = t.config().vocab();
            SavedBase saved = new SavedBase(new SavedBase.Header(model.getFileName().toString(), base.name(), ctx, vocab,
                    Math.min(topK, vocab), positions.size()), textTokens(b, text), positions);
            saved.write(out);
            return saved;
        }
    }

    /** candidates against a saved base: no base model is loaded; the text must tokenize to the saved tokens */
    public static List<QualityRow> measure(SavedBase base, LoadOptions opts, List<Candidate> candidates, String text,
                                           Consumer<String> progress) throws IOException {
        List<QualityRow> rows = new ArrayList<>();
        int ctx = base.header().window();
        LoadOptions o = opts.withContext(ctx).withBatch(1);
        for (Candidate cand : candidates) {
            try (LowbitModel q = LowbitModel.load(cand.model(), o.withPlan(cand.plan()))) {
                if (q.internals().transformer().config().vocab() != base.header().vocab())
                    throw new IllegalArgumentException(cand.label() + " has a vocabulary of " + q.internals().transformer().config().vocab()
                            + " tokens, the saved base " + base.header().vocab());
                if (!Arrays.equals(textTokens(q, text), base.tokens()))
                    throw new IllegalArgumentException("the saved base was computed on another text or tokenizer (" + base.header().model() + ")");
                int[][] windows = windows(q, text, ctx);
                LogitStats st = new LogitStats();
                int n = 0;
                for (int w = 0; w < windows.length; w++) {
                    int[] win = windows[w];
                    float[][] lp = logitsAll(q.internals().transformer(), win);
                    for (int i = win.length / 2; i < win.length - 1; i++) st.addSaved(base.positions().get(n++), lp[i], win[i + 1]);
                    report(progress, cand.label(), w, windows.length);
                }
                if (n != base.positions().size()) throw new IllegalStateException("saved base has " + base.positions().size() + " positions, scored " + n);
                rows.add(st.row(cand.label(), bitsPerWeight(q.internals().weights())));
            }
        }
        return rows;
    }

    private static void report(Consumer<String> progress, String label, int w, int windows) {
        if (progress != null) progress.accept(String.format("%s: window %d/%d", label, w + 1, windows));
    }

    /** control-token texts read as those tokens, so a chat transcript is scored as the model saw it */
    private static int[] textTokens(LowbitModel m, String text) {
        return m.tokenizer().encode(text, false, true);
    }

    /** the text cut into windows of ctx tokens, each starting with BOS when the model adds one */
    private static int[][] windows(LowbitModel m, String text, int ctx) {
        int[] tokens = textTokens(m, text);
        boolean bos = m.addsBos();
        int per = ctx - (bos ? 1 : 0);
        int n = tokens.length / per;
        if (n < 1) throw new IllegalArgumentException("text has " + tokens.length + " tokens, fewer than one window of " + ctx);
        int[][] out = new int[n][];
        for (int w = 0; w < n; w++) {
            int[] win = new int[per + (bos ? 1 : 0)];
            int off = 0;
            if (bos) win[off++] = m.tokenizer().bos();
            System.arraycopy(tokens, w * per, win, off, per);
            out[w] = win;
        }
        return out;
    }

    private static void compareWindow(Transformer base, Transformer plan, int[] win, LogitStats st) {
        if (base.config().vocab() != plan.config().vocab()) throw new IllegalStateException("vocabularies differ");
        float[][] lb = logitsAll(base, win), lp = logitsAll(plan, win);
        for (int i = win.length / 2; i < win.length - 1; i++) st.add(lb[i], lp[i], win[i + 1]);
    }

    /** logits at every position of one window, fed in chunks of the model's step size */
    static float[][] logitsAll(Transformer t, int[] win) {
        float[][] out = new float[win.length][t.config().vocab()];
        try (Sequence seq = t.kv().newSequence()) {
            if (!t.kv().reserve(seq, win.length)) throw new IllegalStateException("KV cache too small for a window of " + win.length);
            int step = t.maxTokens();
            for (int s = 0; s < win.length; s += step) {
                int n = Math.min(step, win.length - s);
                int rows = t.forward(List.of(new Segment(seq, Arrays.copyOfRange(win, s, s + n), true)));
                for (int r = 0; r < rows; r++) t.logits(r, out[s + r]);
            }
        }
        return out;
    }

    /** storage bits per weight of the linear layers (what the plan quantizes) */
    public static double bitsPerWeight(ModelWeights w) {
        long bytes = 0, n = 0;
        for (LayerWeights l : w.layers)
            for (Linear lin : l.linears()) {
                bytes += lin.bytes();
                n += (long) lin.rows * lin.cols;
            }
        return bytes * 8.0 / n;
    }
}
