package dev.lowbit.bench;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Isa;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.model.LayerWeights;
import dev.lowbit.model.Linear;
import dev.lowbit.model.ModelWeights;
import dev.lowbit.model.Segment;
import dev.lowbit.model.Transformer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prefill and decode throughput of one loaded model, measured on raw forward steps the way
 * llama-bench does (no tokenizer, no sampling: token ids are a fixed pseudo-random sequence, so
 * the figure is the engine's forward pass alone).
 * <ul>
 * <li>pp{p}: one empty sequence takes p tokens in forward steps of at most ubatch tokens.</li>
 * <li>tg{n}: one sequence prefilled with a short prompt (untimed) then n one-token forward steps.</li>
 * <li>tg{n}@b{B}: B sequences prefilled together (untimed), then n steps in which one forward
 *     carries B one-token segments; t/s is the aggregate B*n / time.</li>
 * <li>with a depth d (names get "@d{d}"): every sequence first holds d positions of context,
 *     written straight into its KV cache as synthetic K/V through lb_kv_store (untimed, seconds
 *     instead of a minutes-long prefill; attention costs the same whatever the values), and the
 *     tests run on top of it: pp prefills p tokens after the d, tg decodes n steps after the d
 *     (no decode prompt).</li>
 * </ul>
 * Each test runs once untimed (warm-up: page faults of the mmap'd weights, JIT, caches), then
 * {@code reps} timed repetitions, each on fresh sequences.
 */
public final class ThroughputBench {
    private final LowbitModel model;
    private final BenchSettings s;
    private final Consumer<String> progress;

    public ThroughputBench(LowbitModel model, BenchSettings settings, Consumer<String> progress) {
        this.model = model;
        this.s = settings;
        this.progress = progress == null ? m -> {} : progress;
        Transformer t = model.internals().transformer();
        if (t.maxTokens() < settings.maxBatch())
            throw new IllegalArgumentException("model loaded for " + t.maxTokens() + " tokens per step, bench needs batch " + settings.maxBatch());
        if (model.config().contextLength() < settings.contextNeeded())
            throw new IllegalArgumentException("model context " + model.config().contextLength() + " < " + settings.contextNeeded()
                    + " tokens the bench needs");
    }

    /** all tests: pp, tg and one aggregate row per batch size > 1 */
    public List<BenchRow> run() {
        List<BenchRow> rows = new ArrayList<>();
        if (s.promptTokens() > 0) rows.add(row(s.ppName(), s.promptTokens(), 0, 1, measure(this::prefillSeconds, s.promptTokens(), "pp"),
                prefillBytesPerToken()));
        if (s.genTokens() > 0) {
            for (int b : s.batches()) {
                String test = s.tgName(b);
                rows.add(row(test, 0, s.genTokens(), b, measure(() -> decodeSeconds(b, s.genTokens()), (double) b * s.genTokens(), test),
                        (double) weightBytesPerStep() / b));
            }
        }
        return rows;
    }

    private interface Timed {
        double seconds();
    }

    /** warm-up run, then reps timed runs; returns tokens/s per run */
    private Stats measure(Timed run, double tokens, String what) {
        progress.accept(what + " warm-up");
        run.seconds();
        double[] ts = new double[s.reps()];
        for (int r = 0; r < s.reps(); r++) {
            progress.accept(what + " " + (r + 1) + "/" + s.reps());
            ts[r] = tokens / run.seconds();
        }
        return Stats.of(ts);
    }

    /** one prefill of p tokens into a fresh sequence, in ubatch chunks */
    double prefillSeconds() {
        Transformer t = model.internals().transformer();
        KvCache kv = t.kv();
        int chunk = Math.min(s.ubatch(), t.maxTokens());
        int[] prompt = tokens(s.promptTokens(), 1);
        try (Sequence seq = kv.newSequence()) {
            reserve(kv, seq, s.depth() + prompt.length);
            fillDepth(seq, 1);
            long t0 = System.nanoTime();
            for (int i = 0; i < prompt.length; i += chunk) {
                int n = Math.min(chunk, prompt.length - i);
                int[] part = new int[n];
                System.arraycopy(prompt, i, part, 0, n);
                t.forward(List.of(new Segment(seq, part, false)));
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    /** b sequences: untimed prefill of the short prompt, then n timed steps of b one-token segments */
    double decodeSeconds(int b, int n) {
        Transformer t = model.internals().transformer();
        KvCache kv = t.kv();
        List<Sequence> seqs = new ArrayList<>();
        try {
            List<Segment> prefill = new ArrayList<>();
            for (int i = 0; i < b; i++) {
                Sequence seq = kv.newSequence();
                seqs.add(seq);
                if (s.depth() > 0) {  // synthetic context instead of a prompt
                    reserve(kv, seq, s.depth() + n);
                    fillDepth(seq, 7 + i);
                } else {
                    reserve(kv, seq, s.decodePrompt() + n);
                    prefill.add(new Segment(seq, tokens(s.decodePrompt(), 7 + i), false));
                }
            }
            // prefill in groups that fit one forward step
            int perStep = Math.max(1, t.maxTokens() / s.decodePrompt());
            for (int i = 0; i < prefill.size(); i += perStep) t.forward(prefill.subList(i, Math.min(prefill.size(), i + perStep)));

            int[][] next = new int[b][];
            for (int i = 0; i < b; i++) next[i] = tokens(n, 1000 + i);
            long t0 = System.nanoTime();
            for (int step = 0; step < n; step++) {
                List<Segment> segs = new ArrayList<>(b);
                for (int i = 0; i < b; i++) segs.add(new Segment(seqs.get(i), new int[] {next[i][step]}, false));
                t.forward(segs);
            }
            return (System.nanoTime() - t0) / 1e9;
        } finally {
            for (Sequence q : seqs) q.close();
        }
    }

    /** tokens of synthetic K/V written per lb_kv_store call by fillDepth */
    private static final int FILL_CHUNK = 1024;

    /**
     * Gives an empty sequence (with blocks reserved) s.depth() positions of context: every layer's
     * K and V rows are pseudo-random values in [-1, 1) stored through lb_kv_store in the cache
     * format, so the rows read by attention are as many, and as large, as after a real prefill.
     */
    void fillDepth(Sequence seq, long salt) {
        int depth = s.depth();
        if (depth == 0) return;
        KvCache kv = model.internals().transformer().kv();
        int rowFloats = kv.nKvHead * kv.headDim;
        int chunk = Math.min(FILL_CHUNK, depth);
        try (NativeBuffer src = NativeBuffer.floats((long) chunk * rowFloats)) {
            for (int layer = 0; layer < kv.nLayer; layer++) {
                for (int kOrV = 0; kOrV < 2; kOrV++) {
                    randomFill(src, (long) chunk * rowFloats, salt * 1_000_003L + layer * 2L + kOrV);
                    long cache = kOrV == 0 ? kv.kAddress(layer) : kv.vAddress(layer);
                    for (int p = 0; p < depth; p += chunk)
                        Native.check(LowbitNative.lb_kv_store((kOrV == 0 ? kv.kFormat : kv.format).id, kv.group, cache, seq.blockTableAddress(), kv.blockSize,
                                kv.nKvHead, kv.headDim, src.address(), p, Math.min(chunk, depth - p)), "kv store (depth fill)");
                }
            }
        }
        seq.setLength(depth);
    }

    private static void randomFill(NativeBuffer b, long n, long salt) {
        java.nio.FloatBuffer f = b.floatView(0, (int) n);
        long x = salt * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            f.put(i, (float) ((x >>> 40) / (double) (1L << 24) * 2 - 1));
        }
    }

    private static void reserve(KvCache kv, Sequence seq, int n) {
        if (!kv.reserve(seq, n))
            throw new IllegalStateException("KV cache budget too small for a sequence of " + n + " tokens (" + kv.freeBlocks() + " free blocks)");
    }

    /** n pseudo-random token ids in [0, vocab), reproducible from salt (like llama-bench's random tokens) */
    private int[] tokens(int n, long salt) {
        int vocab = model.config().vocab();
        int[] ids = new int[n];
        long x = salt * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < n; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            ids[i] = (int) Long.remainderUnsigned(x >>> 17, vocab);
        }
        return ids;
    }

    private BenchRow row(String test, int nPrompt, int nGen, int batch, Stats ts, double bytesPerToken) {
        String backend = backend() + (model.options().weightsFromMapping() ? " mmap" : "") + (model.options().batchInvariant() ? " invariant" : "");
        return new BenchRow("lowbit", model.internals().file().path().getFileName().toString(), modelType(model), model.internals().weights().plan.name(),
                weightBytes(model.internals().weights()), parameterCount(model), backend, s.threads(), test, nPrompt, nGen, batch, ts,
                bytesPerToken, model.internals().transformer().kv().bytesPerToken(), null, null);
    }

    /** prefill reads the weights once per ubatch chunk */
    private double prefillBytesPerToken() {
        int chunk = Math.min(s.ubatch(), model.internals().transformer().maxTokens());
        int steps = (s.promptTokens() + chunk - 1) / chunk;
        return (double) weightBytesPerStep() * steps / s.promptTokens();
    }

    /** weights read by one forward step that produces one logit row per sequence (ModelWeights.bytesPerToken) */
    private long weightBytesPerStep() {
        return model.internals().weights().bytesPerToken();
    }

    /** "qwen2 F16" for a file run as loaded, "qwen2 w4a16-g128" for a requantized one */
    static String modelType(LowbitModel m) {
        ModelWeights w = m.internals().weights();
        boolean asLoaded = w.plan.weights() == null && w.plan.kv() == dev.lowbit.quant.Format.F16
                && w.plan.kFormat() == dev.lowbit.quant.Format.F16;
        return m.config().arch() + " " + (asLoaded ? w.layers.get(0).wq().format.name() : w.plan.name());
    }

    /** bytes of all weight matrices as run: linears, output head, embedding table (once when tied) */
    public static long weightBytes(ModelWeights w) {
        long s = w.output.bytes();
        for (LayerWeights l : w.layers) for (Linear lin : l.linears()) s += lin.bytes();
        if (!w.tiedOutput) s += w.embRowBytes * w.config.vocab();
        return s;
    }

    /** every tensor element of the file, as llama-bench counts parameters */
    public static long parameterCount(LowbitModel m) {
        long n = 0;
        for (GgufTensor t : m.internals().file().tensors()) n += t.elements();
        return n;
    }

    public static String backend() {
        Native.ensureLoaded();
        return "CPU " + Isa.current().label();
    }
}
