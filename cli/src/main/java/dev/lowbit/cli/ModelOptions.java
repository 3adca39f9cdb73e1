package dev.lowbit.cli;

import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.catalogue.ModelResolver;
import dev.lowbit.eval.Prompts;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.util.PhysicalMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options every model-running command shares (-m, --threads, --ctx, --chat-template, --batch-invariant, --isa). */
final class ModelOptions {
    @Mixin IsaOption isa = new IsaOption();

    @Option(names = {"-m", "--model"}, description = "GGUF path or catalogue name (default: the embedded default model)")
    String model;

    @Option(names = {"-t", "--threads"}, description = "kernel threads (default: all cores)")
    int threads = 0;

    @Option(names = {"-c", "--ctx"}, description = "context length per sequence (default: the model's, at most 32768)")
    int ctx = 0;

    @Option(names = "--kv-mib", description = "KV-cache memory budget in MiB, shared by all sequences (default: room for every batch slot at full context); sequences wait when it is full")
    long kvMib = 0;

    @Option(names = "--chat-template", description = "deepseek-r1 | chatml | chatml-think | llama3 | raw (default: from the GGUF)")
    String chatTemplate;

    @Option(names = "--system", description = "a system turn before every chat prompt: TEXT, @FILE, or 'qmr' (numbered steps and a final "
            + "\\boxed{} answer, as the second study's fixed prompt asks); default none, as the study")
    String system;

    @Option(names = "--calib", description = "calibration text (UTF-8 file) for plans calibrated at load time (kvN-kvq: static per-channel K scales)")
    Path calib;

    @Option(names = "--calib-samples", description = "at most this many 512-token calibration samples (default ${DEFAULT-VALUE})")
    int calibSamples = LoadOptions.DEFAULT_CALIB_SAMPLES;

    @Option(names = "--mmap", description = "read weights kept in the file's format from the file mapping instead of copying them into huge pages (less memory, slower decode)")
    boolean mmap;

    @Option(names = "--batch-invariant", description = "a sequence's tokens do not depend on the other sequences of its batch (--batch 1 and 8 give the same records); batched decode is slower")
    boolean batchInvariant;

    /** the largest --ctx accepted (1M positions); the KV memory it implies is checked at load */
    static final int MAX_CTX = 1 << 20;
    static final int MAX_THREADS = 4096;

    /** the model's file name and general.name: what per-model presets (sampling) match */
    String displayName() throws IOException {
        Path p = resolve();
        try (dev.lowbit.gguf.GgufFile f = dev.lowbit.gguf.GgufFile.open(p)) {
            return p.getFileName() + " " + f.getString("general.name", "");
        }
    }

    Path resolve() throws IOException {
        checkModelName(model);
        return ModelResolver.resolve(model);
    }

    /** -m given but empty: refused rather than silently meaning the default model */
    static void checkModelName(String model) {
        if (model != null && model.isBlank()) throw new IllegalArgumentException("-m/--model is empty: give a GGUF path or a catalogue name");
    }

    /** every range check, and the ISA level forced, before anything is loaded */
    void validate() {
        checkModelName(model);
        isa.apply();
        if (threads < 0 || threads > MAX_THREADS)
            throw new IllegalArgumentException("--threads " + threads + " is out of range: 0 (all cores) or 1.." + MAX_THREADS);
        if (ctx < 0 || ctx > MAX_CTX)
            throw new IllegalArgumentException("--ctx " + ctx + " is out of range: 0 (the model's, at most 32768) or 1.." + MAX_CTX);
        long physMib = PhysicalMemory.mib();
        if (kvMib < 0 || kvMib > physMib)
            throw new IllegalArgumentException("--kv-mib " + kvMib + " is out of range: 0 (room for every batch slot at full context) or 1.."
                    + physMib + " (this machine's physical memory in MiB)");
        if (calibSamples < 1) throw new IllegalArgumentException("--calib-samples must be >= 1, got " + calibSamples);
    }

    LoadOptions options(QuantPlan plan, int batch) {
        validate();
        return new LoadOptions(plan, threads, ctx, batch, 512, kvMib << 20, chatTemplate, mmap).withCalibration(calibText(), calibSamples)
                .withBatchInvariant(batchInvariant).withSystemPrompt(systemPrompt());
    }

    /** the text of --system: a preset name, @FILE, or the text itself (null when not given) */
    String systemPrompt() {
        if (system == null) return null;
        if (system.equals("qmr")) return Prompts.QMR_SYSTEM;
        if (!system.startsWith("@")) return system;
        Path f = Path.of(system.substring(1));
        if (!Files.isRegularFile(f)) throw new IllegalArgumentException("--system file not found: " + f);
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("--system file " + f + " cannot be read: " + e.getMessage());
        }
    }

    private String calibText() {
        return readCalib(calib);
    }

    /** the calibration text of --calib (null when not given) */
    static String readCalib(Path calib) {
        if (calib == null) return null;
        if (!Files.isRegularFile(calib)) throw new IllegalArgumentException("calibration text not found: " + calib);
        try {
            return Files.readString(calib, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read calibration text " + calib + ": " + e.getMessage(), e);
        }
    }

    LowbitModel load(QuantPlan plan, int batch) throws IOException {
        return LowbitModel.load(resolve(), options(plan, batch));
    }
}
