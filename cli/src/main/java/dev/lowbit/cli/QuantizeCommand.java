package dev.lowbit.cli;

import dev.lowbit.quant.Site;
import dev.lowbit.catalogue.ModelResolver;
import dev.lowbit.core.Native;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.quant.method.LayerMethod;
import dev.lowbit.quant.method.LayerwiseQuantizer;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.model.Transformer;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.NativeTypeGguf;
import dev.lowbit.quant.PackedMatrix;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantizedGguf;
import dev.lowbit.quant.Replacements;
import dev.lowbit.quant.method.Awq;
import dev.lowbit.quant.method.CalibrationSet;
import dev.lowbit.quant.method.FlatQuant;
import dev.lowbit.quant.method.Gptq;
import dev.lowbit.quant.method.MatrixMethods;
import dev.lowbit.quant.method.QuaRot;
import dev.lowbit.quant.method.SmoothQuant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * `lowbit quantize`: a model quantized once, by RTN or a calibrated method, saved as a GGUF that
 * every command loads as it is (see {@link QuantizedGguf}); the calibration windows are saved beside it.
 */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Quantize a model's linear layers by a method (rtn, gptq, awq, smoothquant, quarot, flatquant) and save it as a GGUF every command loads directly.")
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, description = "GGUF path or catalogue name (default: the embedded default model)")
    String model;

    @Option(names = {"-o", "--out"}, required = true, description = "output GGUF (written to a temporary file, then renamed)")
    Path out;

    @Option(names = "--plan", description = "weight plan: w4a16-g128, w3a16-g128, w2a16-g128 (gptq, awq); w8a8, w8a8-asym (rtn, gptq, smoothquant); "
            + "w4a4kv4, w8a8kv8 (quarot, flatquant); run-time parts (kv8, kv4, ...) are recorded and applied at load")
    String plan;

    @Option(names = "--format", description = "instead of --plan: a llama.cpp type, q4_0 | q4_1 | q5_0 | q5_1 | q8_0 | q2_k | q3_k | q4_k | q5_k | q6_k "
            + "(rtn: llama.cpp's own quantizer, byte for byte; gptq, awq: q4_0, q4_1, q5_0, q5_1, q8_0, q4_k; a matrix whose inputs are no "
            + "whole K-quant super-blocks of 256 takes llama-quantize's fallback: q4_k -> q5_0, q5_k -> q5_1, q6_k -> q8_0, q2_k/q3_k -> q4_0); "
            + "writes a standard GGUF of that type that llama.cpp itself loads (token_embd and output keep the source's type)")
    String format;

    @Option(names = "--method", description = "rtn | gptq | awq | smoothquant | quarot | flatquant (default ${DEFAULT-VALUE})")
    String method = "gptq";

    @Option(names = "--calib", description = "calibration source: a UTF-8 text file, testbed[:SEED] (worked problems of the testbed's "
            + "training split) or gen:testbed[:SEED] (the model's own reasoning on those prompts)")
    String calib;

    @Option(names = "--calib-samples", description = "calibration windows (default ${DEFAULT-VALUE}, as GPTQ, AWQ and SmoothQuant)")
    int samples = 128;

    @Option(names = "--calib-len", description = "tokens per window (default 2048 for gptq, smoothquant, quarot and flatquant, 512 for awq, as each calibrates; capped at the model's context)")
    Integer length;

    @Option(names = "--seed", description = "seed of the window sampling (default ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--damp", description = "GPTQ: dampening, a fraction of the mean Hessian diagonal (default ${DEFAULT-VALUE})")
    double damp = 0.01;

    @Option(names = "--no-act-order", description = "GPTQ: quantize columns in their order instead of by decreasing Hessian diagonal")
    boolean noActOrder;

    @Option(names = "--clip-grid", description = "GPTQ: steps of the clipping search per group range, 0 = none (default ${DEFAULT-VALUE})")
    int clipGrid = 100;

    @Option(names = "--block", description = "GPTQ: columns per lazy batch update (default ${DEFAULT-VALUE})")
    int block = 128;

    @Option(names = "--awq-grid", description = "AWQ: points of the scale search, alpha = i/N for i < N (default ${DEFAULT-VALUE})")
    int awqGrid = 20;

    @Option(names = "--no-awq-clip", description = "AWQ: round the scaled weights onto RTN grids instead of searching each group's clipping")
    boolean noAwqClip;

    @Option(names = "--smooth-alpha", description = "SmoothQuant: migration strength alpha in [0, 1], s = max|x|^alpha / max|w|^(1-alpha) (default ${DEFAULT-VALUE}, the study's)")
    double smoothAlpha = SmoothQuant.STUDY_ALPHA;

    @Option(names = {"-t", "--threads"}, description = "kernel threads (default: all cores)")
    int threads = 0;

    @Mixin IsaOption isa = new IsaOption();

    @Option(names = "--kv-clip", description = "QuaRot: clip ratio of the rotated K/V groups in (0, 1], 1 = none (default ${DEFAULT-VALUE}, the study's)")
    double kvClip = 0.95;

    @Option(names = "--act-clip", description = "QuaRot: clip ratio of the per-token asymmetric activations in (0, 1], 1 = none (default ${DEFAULT-VALUE}, the study's --a_clip_ratio)")
    double actClip = 0.9;

    @Option(names = "--flat-epochs", description = "FlatQuant: epochs per layer (default ${DEFAULT-VALUE}, the study's)")
    int flatEpochs = 15;

    @Option(names = "--flat-lr", description = "FlatQuant: learning rate of the transforms and clipping (default ${DEFAULT-VALUE}, the study's)")
    double flatLr = 5e-3;

    @Option(names = "--python", description = "FlatQuant: the Python 3 with PyTorch that runs its calibrator (default /usr/bin/python3 where it exists, else python3)")
    String python;

    @Option(names = "--smooth-weights", description = "SmoothQuant: how the smoothed weights are quantized, gptq (the study's) or rtn (default ${DEFAULT-VALUE})")
    String smoothWeights = "gptq";

    @Override
    public Integer call() throws Exception {
        ModelOptions.checkModelName(model);
        if ((plan == null) == (format == null)) throw new IllegalArgumentException("give one of --plan (a lowbit plan) or --format (" + String.join(", ", NativeTypeGguf.typeNames()) + ")");
        Format nativeType = format == null ? null : NativeTypeGguf.type(format);
        // with --format the weights' type comes from it; the methods see the 16-bit model (plan w16)
        if (!(kvClip > 0 && kvClip <= 1)) throw new IllegalArgumentException("--kv-clip must be in (0, 1], got " + kvClip);
        if (!(actClip > 0 && actClip <= 1)) throw new IllegalArgumentException("--act-clip must be in (0, 1], got " + actClip);
        QuantPlan p = nativeType != null ? QuantPlan.W16 : method.equals("quarot") ? quarotPlan(plan, kvClip, actClip)
                : method.equals("flatquant") ? FlatQuant.plan(plan) : QuantPlan.parse(plan);
        if (nativeType == null) checkSavable(p);
        if (samples < 1 || samples > 100_000) throw new IllegalArgumentException("--calib-samples must be in 1..100000, got " + samples);
        if (!smoothWeights.equals("gptq") && !smoothWeights.equals("rtn"))
            throw new IllegalArgumentException("--smooth-weights must be gptq or rtn, got " + smoothWeights);
        int length = this.length != null ? this.length : method.equals("awq") ? 512 : 2048;
        if (length < 16 || length > ModelOptions.MAX_CTX) throw new IllegalArgumentException("--calib-len must be in 16.." + ModelOptions.MAX_CTX);
        if (awqGrid < 1 || awqGrid > 1000) throw new IllegalArgumentException("--awq-grid must be in 1..1000, got " + awqGrid);
        if (!(smoothAlpha >= 0 && smoothAlpha <= 1)) throw new IllegalArgumentException("--smooth-alpha must be in [0, 1], got " + smoothAlpha);
        if (!(damp > 0 && damp < 1)) throw new IllegalArgumentException("--damp must be in (0, 1), got " + damp);
        if (clipGrid < 0 || clipGrid > 1000) throw new IllegalArgumentException("--clip-grid must be in 0..1000, got " + clipGrid);
        if (block < 1) throw new IllegalArgumentException("--block must be >= 1");
        if (threads < 0 || threads > ModelOptions.MAX_THREADS) throw new IllegalArgumentException("--threads out of range");
        if (out.toString().isBlank()) throw new IllegalArgumentException("-o/--out is empty");
        Path in = ModelResolver.resolve(model);
        if (Files.exists(out) && Files.isSameFile(in, out)) throw new IllegalArgumentException("-o would overwrite the input model " + in);
        if (Files.isDirectory(out)) throw new IllegalArgumentException("-o " + out + " is a directory; give a file name");
        Native.ensureLoaded();
        isa.apply();
        if (threads > 0) Native.setThreads(threads);

        if (nativeType != null && !method.equals("rtn") && !method.equals("gptq") && !method.equals("awq"))
            throw new IllegalArgumentException("--format " + format + " takes --method rtn, gptq or awq, not " + method);
        Gptq.Settings gptq = new Gptq.Settings(!noActOrder, damp, block, clipGrid, 0.8f, 2.4f);
        LayerMethod m = null;
        FlatQuant.Settings flat = null;
        Awq awq = null;
        String settings;
        switch (method) {
            case "rtn" -> {
                m = nativeType != null ? MatrixMethods.rtnGguf(nativeType) : MatrixMethods.rtn(p);
                settings = "";
            }
            case "gptq" -> {
                m = nativeType != null ? MatrixMethods.gptqGguf(nativeType, gptq) : MatrixMethods.gptq(p, gptq);
                settings = String.format("act_order=%b static_groups=%b damp=%s block=%d clip_grid=%d max_shrink=%s norm=%s", gptq.actOrder(),
                        gptq.actOrder(), gptq.damp(), gptq.blockSize(), gptq.clipGrid(), gptq.maxShrink(), gptq.clipNorm());
            }
            case "awq" -> {
                Awq.Settings a = Awq.Settings.study().withGrid(awqGrid).withClip(!noAwqClip);
                m = awq = nativeType != null ? Awq.ontoGguf(nativeType, a) : Awq.of(p, a);
                settings = a.describe();
            }
            case "smoothquant" -> {
                SmoothQuant sq = smoothWeights.equals("rtn") ? SmoothQuant.of(p, smoothAlpha) : SmoothQuant.withGptq(p, smoothAlpha, gptq);
                m = sq;
                settings = sq.describe();
            }
            case "quarot" -> {
                QuaRot q = QuaRot.of(p, gptq);
                m = q;
                settings = q.describe();
            }
            case "flatquant" -> {
                flat = new FlatQuant.Settings(flatEpochs, flatLr, 4, seed, threads, python != null ? python
                        : Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3");
                settings = flat.describe();
            }
            default -> throw new IllegalArgumentException("unknown --method " + method + " (rtn, gptq, awq, smoothquant, quarot, flatquant)");
        }
        boolean calibrated = !method.equals("rtn");
        if (calibrated && calib == null) throw new IllegalArgumentException("--method " + method + " needs --calib (a text file or testbed)");

        long t0 = System.nanoTime();
        try (GgufFile f = GgufFile.open(in)) {
            if (QuantizedGguf.recordedPlan(f) != null)
                throw new IllegalArgumentException(in.getFileName() + " is already quantized (" + f.getString(QuantizedGguf.PLAN) + ")");
            ModelConfig c = ModelConfig.from(f);
            CalibrationSet cal = null;
            if (calibrated) {
                cal = CalibrationSources.load(calib, in, samples, length, seed, msg -> System.err.print("\r" + msg + "   "));
                System.err.println();
                cal.save(out.resolveSibling(out.getFileName() + ".calib.jsonl"));
                System.err.printf("calibration: %s, %d windows of %d tokens (seed %d)%n", cal.source(), cal.windows().size(), cal.length(), seed);
            }
            Replacements packed;
            if (flat != null) packed = flatQuant(f, c, p, cal, flat);
            else try (ProgressBar bar = new ProgressBarBuilder().setTaskName(method + " " + (nativeType != null ? format : p.name())).setInitialMax(c.nLayer())
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" layers", 1).setMaxRenderedLength(100).build()) {
                packed = LayerwiseQuantizer.run(f, c, cal == null ? List.of() : cal.windows(), m, (l, n) -> bar.step(), p.rotate());
            }
            if (awq != null) System.err.println(awqSummary(awq.choices()));
            if (nativeType != null) fallbackSummary(packed, nativeType).ifPresent(System.err::println);
            QuantizedGguf.Provenance prov = new QuantizedGguf.Provenance(nativeType != null ? format : p.name(), method, settings,
                    cal == null ? "none" : cal.source(), cal == null ? 0 : cal.windows().size(), cal == null ? 0 : cal.length(), seed);
            if (nativeType != null) NativeTypeGguf.write(f, packed, nativeType, prov, out);
            else QuantizedGguf.write(f, packed, prov, out);
            long bytes = packed.packed().values().stream().mapToLong(x -> x.data().length).sum();
            System.out.printf("wrote %s: %s by %s, %d matrices (%.1f MiB), %s%n", out, prov.plan(), method, packed.packed().size(), bytes / 1048576.0,
                    Duration.ofNanos(System.nanoTime() - t0).toMillis() / 1000.0 + " s");
        }
        return 0;
    }

    /** llama-quantize's note on the matrices whose rows the type's blocks do not fit: how many fell back to which type */
    static java.util.Optional<String> fallbackSummary(Replacements packed, Format type) {
        java.util.Map<Format, Long> by = new java.util.TreeMap<>();
        for (PackedMatrix m : packed.packed().values()) if (m.format() != type) by.merge(m.format(), 1L, Long::sum);
        if (by.isEmpty()) return java.util.Optional.empty();
        java.util.List<String> parts = new java.util.ArrayList<>();
        by.forEach((f, n) -> parts.add(n + " to " + NativeTypeGguf.typeName(f)));
        return java.util.Optional.of(String.format("%s: %s of %d matrices fell back (their inputs are not whole %s blocks of %d), as llama-quantize does",
                NativeTypeGguf.typeName(type), String.join(", ", parts), packed.packed().size(), NativeTypeGguf.typeName(type), type.block()));
    }

    private void checkSavable(QuantPlan p) {
        if (p.weights() == null) throw new IllegalArgumentException("--plan " + plan + " quantizes no weights: nothing to save");
        if (!p.overrides().isEmpty()) throw new IllegalArgumentException("--plan " + plan + " is a mixed plan; quantize saves uniform plans only (for now)");
        if (p.rotate() && !method.equals("quarot") && !method.equals("flatquant"))
            throw new IllegalArgumentException("--plan " + plan + " rotates its inputs: save it with --method quarot (rotated weights by GPTQ) or flatquant");
    }

    /**
     * QuaRot's plans as the study's quarot.sh runs them: the Hadamard rotation of every linear's input
     * (online, folded into the weights), per-channel weights, and K/V rotated per head, quantized in
     * groups of 128 with clip ratio kvClip (the study's 0.95). w4a4kv4 -> w4a4+kv4-rot-clip0.95, w8a8kv8 -> w8a8+rot+kv8-rot-clip0.95.
     */
    static QuantPlan quarotPlan(String plan, double kvClip, double actClip) {
        String name = plan.trim().toLowerCase(java.util.Locale.ROOT);
        String clip = kvClip == 1 ? "" : "-clip" + ratio(kvClip);
        // per-token asymmetric activations clipped at actClip, as quarot.sh's --a_asym --a_clip_ratio
        String acts = "-asym" + (actClip == 1 ? "" : "-aclip" + ratio(actClip));
        return QuantPlan.parse(switch (name) {
            case "w4a4kv4" -> "w4a4" + acts + "+kv4-rot" + clip;
            case "w8a8kv8" -> "w8a8" + acts + "+rot+kv8-rot" + clip;
            case "w4a4" -> "w4a4" + acts;
            case "w8a8" -> "w8a8" + acts + "+rot";
            default -> throw new IllegalArgumentException("--method quarot takes --plan w4a4kv4, w8a8kv8, w4a4 or w8a8, not " + plan);
        });
    }

    /** FlatQuant's calibration in PyTorch, its progress shown per layer and epoch; per-layer losses saved beside the output */
    private Replacements flatQuant(GgufFile f, ModelConfig c, QuantPlan p, CalibrationSet cal, FlatQuant.Settings s) throws Exception {
        java.util.regex.Pattern step = java.util.regex.Pattern.compile("layer (\\d+)/\\d+ epoch (\\d+)/\\d+ loss (\\S+)");
        Path log = out.resolveSibling(out.getFileName() + ".flatquant.jsonl");
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("flatquant " + p.name()).setInitialMax((long) c.nLayer() * s.epochs())
                .setStyle(ProgressBarStyle.ASCII).setUnit(" epochs", 1).setMaxRenderedLength(100).build()) {
            return FlatQuant.run(f, c, p, cal.windows(), s, out.toAbsolutePath().getParent(), log, line -> {
                java.util.regex.Matcher m = step.matcher(line);
                if (m.find()) {
                    bar.stepTo(Math.min(bar.getMax(), (long) (Integer.parseInt(m.group(1)) - 1) * s.epochs() + Integer.parseInt(m.group(2))));
                    bar.setExtraMessage("loss " + m.group(3));
                }
            });
        }
    }

    private static String ratio(double r) {
        return java.math.BigDecimal.valueOf(r).stripTrailingZeros().toPlainString();
    }

    /** the chosen alpha per site (mean over the layers) and the output error the scales reached against plain RTN grids */
    private static String awqSummary(List<Awq.Choice> choices) {
        StringBuilder sb = new StringBuilder("awq scales: mean alpha");
        for (Site s : Site.values()) {
            List<Awq.Choice> at = choices.stream().filter(x -> x.site() == s).toList();
            sb.append(' ').append(s.name().toLowerCase(java.util.Locale.ROOT)).append(' ')
                    .append(at.isEmpty() ? "-" : String.format("%.2f", at.stream().mapToDouble(Awq.Choice::alpha).average().orElse(0)));
        }
        double err = choices.stream().mapToDouble(Awq.Choice::error).sum(), rtn = choices.stream().mapToDouble(Awq.Choice::rtnError).sum();
        return sb.append(String.format("; output error %.4g vs %.4g unscaled (x%.3f)", err, rtn, rtn > 0 ? err / rtn : 1)).toString();
    }
}
