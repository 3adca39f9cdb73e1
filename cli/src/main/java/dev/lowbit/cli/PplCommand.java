package dev.lowbit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lowbit.quality.QualityMeter;
import dev.lowbit.quality.QualityRow;
import dev.lowbit.quality.SavedBase;
import dev.lowbit.api.LoadOptions;
import java.util.function.Consumer;
import dev.lowbit.quant.QuantPlan;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `lowbit ppl`: perplexity and KL divergence of quantization plans against a base plan. */
@Command(name = "ppl", mixinStandardHelpOptions = true,
        description = "Perplexity of each plan over a text, and KL divergence / top-1 agreement / RMS logit difference versus --base.")
final class PplCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    static final List<String> DEFAULT_PLANS = List.of("w8a8", "w4a16-g128", "w3a16-g128", "w2a16-g128", "kv8", "kv4", "kv3");

    @Option(names = "--quant", split = ",", description = "plans, comma-separated (default: w8a8,w4a16-g128,w3a16-g128,w2a16-g128,kv8,kv4,kv3; none with --save-base)")
    List<String> quant;

    @Option(names = "--models", split = ",", description = "quantized files of the same model (lowbit quantize) compared with -m at --base, after the plans")
    List<Path> models = List.of();

    @Option(names = "--base", description = "base plan (default ${DEFAULT-VALUE})")
    String base = "w16";

    @Option(names = "--text", required = true, description = "UTF-8 text file")
    Path text;

    @Option(names = "--window", description = "tokens per window (default ${DEFAULT-VALUE}; --ctx sets the model context)")
    int window = 256;

    @Option(names = "--json", description = "print JSON (one object per plan)")
    boolean json;

    @Option(names = "--save-base", description = "save the base plan's next-token distributions (top-k + rest) over the text to FILE, "
            + "then compare only the plans given with --quant")
    Path saveBase;

    @Option(names = "--base-file", description = "compare against distributions saved by --save-base instead of loading the base plan")
    Path baseFile;

    @Option(names = "--base-top-k", description = "tokens kept per position by --save-base (default ${DEFAULT-VALUE}; KL is over them plus one bucket for the rest)")
    int baseTopK = 256;

    @Override
    public Integer call() throws Exception {
        model.validate();
        if (!Files.isRegularFile(text)) throw new NoSuchFileException(text.toString(), null, "text file not found");
        if (window < 8) throw new IllegalArgumentException("--window must be >= 8");
        if (saveBase != null && baseFile != null) throw new IllegalArgumentException("--save-base and --base-file exclude each other");
        Path baseModel = model.resolve();
        List<String> plans = quant != null ? quant : saveBase != null ? List.of() : DEFAULT_PLANS;
        List<QualityMeter.Candidate> candidates = new ArrayList<>();
        for (String q : plans) candidates.add(new QualityMeter.Candidate(QuantPlan.parse(q).name(), baseModel, QuantPlan.parse(q)));
        for (Path f : models) {
            if (!Files.isRegularFile(f)) throw new NoSuchFileException(f.toString(), null, "model file not found");
            candidates.add(new QualityMeter.Candidate(f.getFileName().toString(), f, QuantPlan.W16));
        }
        String content = Files.readString(text, StandardCharsets.UTF_8);
        Consumer<String> progress = msg -> System.err.print("\r" + msg + "        ");
        LoadOptions opts = model.options(QuantPlan.W16, 1);
        SavedBase saved = null;
        if (saveBase != null) {
            saved = QualityMeter.saveBase(baseModel, opts, QuantPlan.parse(base), window, content, baseTopK, saveBase, progress);
            System.err.printf("%nsaved %d positions of %s (top %d) to %s%n", saved.header().positions(), base, saved.header().topK(), saveBase);
        } else if (baseFile != null) {
            if (!Files.isRegularFile(baseFile)) throw new NoSuchFileException(baseFile.toString(), null, "saved base not found");
            saved = SavedBase.read(baseFile);
        }
        List<QualityRow> rows = saved != null
                ? QualityMeter.measure(saved, opts, candidates, content, progress)
                : QualityMeter.measure(baseModel, opts, QuantPlan.parse(base), candidates, window, content, progress);
        System.err.println();
        if (rows.isEmpty() && saved != null) {
            System.out.printf("base %s: ppl %.4f over %d scored tokens (saved to %s)%n", base, saved.perplexity(), saved.header().positions(), saveBase);
            return 0;
        }
        String baseName = saved != null ? saved.header().basePlan() + " (saved, top " + saved.header().topK() + ")" : base;
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (QualityRow r : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("plan", r.plan());
                m.put("ppl", r.ppl());
                m.put("base_ppl", r.basePpl());
                m.put("kld_mean", r.kldMean());
                m.put("kld_p99", r.kldP99());
                m.put("top1_agreement", r.top1Agreement());
                m.put("rms_logit_diff", r.rmsLogitDiff());
                m.put("bits_per_weight", r.bitsPerWeight());
                m.put("tokens", r.tokens());
                out.add(m);
            }
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        } else {
            System.out.printf("%-24s %6s %10s %10s %10s %10s %8s %10s%n", "plan", "bpw", "ppl", "base ppl", "KLD mean",
                    "KLD p99", "top-1", "RMS dlogit");
            for (QualityRow r : rows)
                System.out.printf("%-24s %6.2f %10.4f %10.4f %10.6f %10.6f %7.2f%% %10.5f%n", r.plan(), r.bitsPerWeight(), r.ppl(),
                        r.basePpl(), r.kldMean(), r.kldP99(), 100 * r.top1Agreement(), r.rmsLogitDiff());
            System.out.printf("(%d scored tokens per plan, base %s)%n", rows.isEmpty() ? 0 : rows.get(0).tokens(), baseName);
        }
        return 0;
    }
}
