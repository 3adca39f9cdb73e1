package dev.lowbit.cli;

import dev.lowbit.bench.BenchReport;
import dev.lowbit.bench.BenchResult;
import dev.lowbit.bench.BenchRunner;
import dev.lowbit.bench.BenchSettings;
import dev.lowbit.bench.ReferenceEngine;
import dev.lowbit.catalogue.ModelResolver;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `lowbit bench`: prefill / decode / batched-decode tokens per second, llama-bench style. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Prefill (pp), single-stream decode (tg) and aggregate batched decode (tg@bB) tokens/s per plan,",
                "mean ± std over repetitions after a warm-up; bytes of weights read per token and the implied GB/s.",
                "--compare llama.cpp runs the same file through llama.cpp first (the de.kherud:llama binding, in-process;",
                "  --compare llama-bench[=PATH]: llama.cpp's own llama-bench, a subprocess) and prints the ratio;",
                "--roofline measures read bandwidth first and prints each decode test's memory ceiling;",
                "--depth N runs every test after N positions of context (llama-bench's -d), to see attention's cost at long context."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, split = ",", description = "GGUF paths or catalogue names, repeatable (default: the embedded default model)")
    List<String> models = new ArrayList<>();

    @Option(names = "--quant", split = ",", description = "plans, comma-separated (default ${DEFAULT-VALUE})")
    List<String> quant = List.of("w16");

    @Option(names = {"-p", "--n-prompt"}, description = "prompt tokens of the prefill test; 0 skips it (default ${DEFAULT-VALUE})")
    int nPrompt = 512;

    @Option(names = {"-n", "--n-gen"}, description = "decode steps of the generation tests; 0 skips them (default ${DEFAULT-VALUE})")
    int nGen = 128;

    @Option(names = {"-b", "--batch"}, split = ",", description = "sequences decoding together, comma-separated (default ${DEFAULT-VALUE})")
    List<Integer> batches = List.of(1);

    @Option(names = {"-t", "--threads"}, description = "kernel threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = {"-r", "--repetitions"}, description = "timed repetitions per test (default ${DEFAULT-VALUE})")
    int reps = 5;

    @Option(names = {"-ub", "--ubatch"}, description = "tokens per forward step in prefill (default ${DEFAULT-VALUE})")
    int ubatch = 512;

    @Option(names = {"-d", "--depth"}, description = {"positions of context every test sequence holds before it is timed (tests named tg128@d32768); "
            + "the context is synthetic K/V written straight into the KV cache, not a prefill (untimed, and seconds instead of minutes: "
            + "attention reads the same rows whatever their values); 0 = none (default ${DEFAULT-VALUE})"})
    int depth = 0;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Option(names = "--compare", description = {"reference engine run on the same file with the same -t/-p/-n/-r/-ub: 'llama.cpp' (the de.kherud:llama binding) "
            + "or 'llama-bench[=PATH]' (llama.cpp's own tool; PATH defaults to $LLAMA_BENCH, then llama-bench on the PATH)"})
    String compare;

    @Option(names = "--roofline", description = "measure memory read bandwidth and print each decode test's ceiling")
    boolean roofline;

    @Option(names = "--calib", description = "calibration text (UTF-8 file) for plans calibrated at load time (kvN-kvq)")
    java.nio.file.Path calib;

    @Option(names = "--calib-samples", description = "at most this many 512-token calibration samples (default ${DEFAULT-VALUE})")
    int calibSamples = dev.lowbit.api.LoadOptions.DEFAULT_CALIB_SAMPLES;

    @Option(names = "--mmap", description = "weights kept in the file's format are read from the file mapping (4 KiB pages, like llama.cpp's default) instead of being copied into huge pages; the backend column says mmap")
    boolean mmap;

    @Option(names = "--batch-invariant", description = "every matmul sums each token as a one-token step does (a sequence's tokens do not depend on its batch); the backend column says invariant")
    boolean batchInvariant;

    @Mixin IsaOption isa = new IsaOption();

    @Option(names = "--roofline-mib", description = "buffer the bandwidth probe reads, MiB (default ${DEFAULT-VALUE})")
    int rooflineMib = 1024;

    @Override
    public Integer call() throws Exception {
        ReferenceEngine.Spec reference = ReferenceEngine.parse(compare);
        if (quant.isEmpty()) throw new IllegalArgumentException("--quant is empty: name at least one plan, e.g. w16");
        if (calibSamples < 1) throw new IllegalArgumentException("--calib-samples must be >= 1");
        if (roofline && rooflineMib < 16) throw new IllegalArgumentException("--roofline-mib must be >= 16");
        isa.apply();
        BenchSettings s = new BenchSettings(nPrompt, nGen, batches.stream().mapToInt(Integer::intValue).toArray(), threads, reps, ubatch, 4,
                depth);
        List<QuantPlan> plans = new ArrayList<>();
        for (String q : quant) plans.add(QuantPlan.parse(q));
        List<Path> paths = new ArrayList<>();
        if (models.isEmpty()) paths.add(ModelResolver.resolve(null));
        for (String m : models) {
            ModelOptions.checkModelName(m);
            paths.add(ModelResolver.resolve(m));
        }
        BenchRunner runner = new BenchRunner(s, reference, roofline ? rooflineMib : 0,
                msg -> System.err.print("\r\033[K" + msg)).weightsFromMapping(mmap)
                .batchInvariant(batchInvariant).calibration(ModelOptions.readCalib(calib), calibSamples);
        BenchResult r = runner.run(paths, plans);
        System.err.print("\r\033[K");
        System.out.print(json ? BenchReport.json(r) + "\n" : BenchReport.table(r));
        return 0;
    }
}
