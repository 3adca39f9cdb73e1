package dev.lowbit.bench;

import dev.lowbit.api.LoadOptions;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.quant.QuantPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs the bench: with compare, every file through llama.cpp first — before lowbit has run a
 * single kernel, so no lowbit OpenMP worker exists yet that could spin (OMP_WAIT_POLICY=active)
 * and starve llama.cpp's threads — then the roofline probe, then each plan through lowbit;
 * ratios are taken within the one run. Models are loaded one at a time and closed before the next.
 */
public final class BenchRunner {
    private final BenchSettings s;
    private final ReferenceEngine.Spec reference;
    private final int rooflineMib;
    private final Consumer<String> progress;
    private boolean weightsFromMapping;
    private boolean batchInvariant;
    private String calibText;
    private int calibSamples = LoadOptions.DEFAULT_CALIB_SAMPLES;

    /**
     * @param reference   the engine to compare with (ReferenceEngine.parse of --compare), or null
     * @param rooflineMib size of the bandwidth probe's buffer in MiB, 0 for no probe
     */
    public BenchRunner(BenchSettings settings, ReferenceEngine.Spec reference, int rooflineMib, Consumer<String> progress) {
        if (reference != null && settings.depth() > 0 && !reference.supportsDepth())
            throw new IllegalArgumentException("--depth needs --compare llama-bench (the llama.cpp binding would need a real prefill of the depth)");
        this.s = settings;
        this.reference = reference;
        this.rooflineMib = rooflineMib;
        this.progress = progress == null ? m -> {} : progress;
    }

    /**
     * Refuses settings whose sequences need more positions than the model was trained for
     * (a -p of 100000 would otherwise run far past the context, on garbage positions).
     */
    public static void checkContext(Path model, BenchSettings s) throws IOException {
        int ctx;
        try (GgufFile f = GgufFile.open(model)) {
            ctx = ModelConfig.from(f).contextLength();
        }
        int needed = s.contextNeeded() - 1;
        if (needed > ctx)
            throw new IllegalArgumentException("-p " + s.promptTokens() + " / -n " + s.genTokens() + " / --depth " + s.depth() + " need " + needed
                    + " positions per sequence, beyond the context of " + ctx + " tokens of " + model.getFileName()
                    + ": lower -p, -n or --depth so that --depth + max(-p, -n + " + (s.depth() > 0 ? 0 : s.decodePrompt()) + ") <= " + ctx);
    }

    /** read kept weight matrices from the file mapping (4 KiB pages) instead of huge pages, like llama-bench --mmap 1 */
    public BenchRunner weightsFromMapping(boolean m) {
        this.weightsFromMapping = m;
        return this;
    }

    /** every matmul sums each token as a one-token step does (LoadOptions.batchInvariant) */
    public BenchRunner batchInvariant(boolean on) {
        this.batchInvariant = on;
        return this;
    }

    /** calibration text for plans calibrated at load time (kvN-kvq), or null */
    public BenchRunner calibration(String text, int samples) {
        this.calibText = text;
        this.calibSamples = samples;
        return this;
    }

    public BenchResult run(List<Path> models, List<QuantPlan> plans) throws IOException {
        if (models.isEmpty()) throw new IllegalArgumentException("no model to bench");
        if (plans.isEmpty()) throw new IllegalArgumentException("no quantization plan to bench");
        for (Path m : models) if (!Files.isRegularFile(m)) throw new NoSuchFileException(m.toString(), null, "model file not found");
        for (Path m : models) checkContext(m, s); // before the reference engine or any load

        java.util.Map<String, String> machine = MachineInfo.capture();
        java.util.Map<Path, List<BenchRow>> refs = new java.util.HashMap<>();
        String method = null;
        if (reference != null) {
            for (Path m : models) {
                progress.accept(m.getFileName() + " llama.cpp: loading");
                try (ReferenceEngine llama = reference.open(m, s, msg -> progress.accept(m.getFileName() + " " + msg))) {
                    refs.put(m, llama.run());
                    method = llama.method();
                }
            }
        }
        Stats bw = null;
        if (rooflineMib > 0) {
            dev.lowbit.core.Native.setThreads(s.threads());
            progress.accept("roofline: reading " + rooflineMib + " MiB");
            bw = BandwidthProbe.measure(rooflineMib, Math.max(3, s.reps()));
        }
        List<BenchRow> rows = new ArrayList<>();
        for (Path m : models) {
            List<BenchRow> mine = new ArrayList<>();
            for (QuantPlan plan : plans) {
                progress.accept(m.getFileName() + " " + plan + ": loading");
                try (LowbitModel model = LowbitModel.load(m, options(plan))) {
                    Consumer<String> p = msg -> progress.accept(m.getFileName() + " " + plan + ": " + msg);
                    mine.addAll(new ThroughputBench(model, s, p).run());
                }
            }
            if (reference != null) {
                List<BenchRow> ref = refs.get(m);
                mine = withRatios(mine, ref);
                rows.addAll(mine);
                rows.addAll(alignBytes(ref, mine));
            } else {
                rows.addAll(mine);
            }
        }
        if (bw != null) rows = withCeilings(rows, bw);
        return new BenchResult(s, bw, rows, method, machine);
    }

    LoadOptions options(QuantPlan plan) {
        return new LoadOptions(plan, s.threads(), s.contextNeeded(), s.maxBatch(), s.ubatch(), 0, null, weightsFromMapping)
                .withCalibration(calibText, calibSamples).withBatchInvariant(batchInvariant);
    }

    /** lowbit pp / tg rows get the ratio to llama.cpp's row of the same test */
    static List<BenchRow> withRatios(List<BenchRow> mine, List<BenchRow> ref) {
        List<BenchRow> out = new ArrayList<>();
        for (BenchRow r : mine) {
            BenchRow match = ref.stream().filter(x -> x.test().equals(r.test())).findFirst().orElse(null);
            out.add(match == null ? r : r.withRatio(r.ts().ratioTo(match.ts())));
        }
        return out;
    }

    /** llama.cpp reads the same file: give its rows the bytes per token lowbit counted for that file as loaded */
    static List<BenchRow> alignBytes(List<BenchRow> ref, List<BenchRow> mine) {
        List<BenchRow> out = new ArrayList<>();
        for (BenchRow r : ref) {
            BenchRow same = mine.stream().filter(x -> x.plan().equals("w16") && x.test().equals(r.test())).findFirst().orElse(null);
            out.add(same == null ? r : new BenchRow(r.engine(), r.model(), r.modelType(), r.plan(), r.sizeBytes(), r.params(), r.backend(),
                    r.threads(), r.test(), r.nPrompt(), r.nGen(), r.batch(), r.ts(), same.weightBytesPerToken(), same.kvBytesPerToken(),
                    null, null));
        }
        return out;
    }

    /** decode rows get bandwidth / bytes per token as their memory ceiling */
    static List<BenchRow> withCeilings(List<BenchRow> rows, Stats bw) {
        List<BenchRow> out = new ArrayList<>();
        for (BenchRow r : rows)
            out.add(!r.isPrefill() && r.weightBytesPerToken() > 0 ? r.withCeiling(bw.mean() * 1e9 / r.weightBytesPerToken()) : r);
        return out;
    }
}
