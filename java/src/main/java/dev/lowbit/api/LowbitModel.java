package dev.lowbit.api;

import dev.lowbit.core.Native;
import dev.lowbit.generate.ChatTemplate;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.GenerationStats;
import dev.lowbit.generate.Generator;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.model.KCalibration;
import dev.lowbit.model.ModelWeights;
import dev.lowbit.model.kv.StaticKScales;
import dev.lowbit.model.Transformer;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantizedGguf;
import dev.lowbit.tokenizer.Tokenizer;
import dev.lowbit.util.PhysicalMemory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The library entry point: load a GGUF model (optionally quantized by a plan), tokenize,
 * generate. {@link #close()} frees every native buffer and unmaps the file.
 *
 * <pre>{@code
 * try (LowbitModel m = LowbitModel.load(Path.of("model.gguf"), LoadOptions.defaults().withPlan(QuantPlan.parse("w4a16-g128")))) {
 *     String out = m.generate("Once upon a time", 64, SamplerSettings.greedy(), (id, text) -> System.out.print(text)).text();
 * }
 * }</pre>
 */
public final class LowbitModel implements AutoCloseable {
    private final GgufFile file;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final ModelWeights weights;
    private final KvCache kv;
    private final Transformer transformer;
    private final Generator generator;
    private final ChatTemplate template;
    private final boolean addBos;
    private final LoadOptions options;
    private final StaticKScales kScales;

    private LowbitModel(GgufFile file, ModelConfig config, Tokenizer tokenizer, ModelWeights weights, KvCache kv,
                        Transformer transformer, ChatTemplate template, boolean addBos, LoadOptions options, StaticKScales kScales) {
        this.kScales = kScales;
        this.file = file;
        this.config = config;
        this.tokenizer = tokenizer;
        this.weights = weights;
        this.kv = kv;
        this.transformer = transformer;
        this.generator = new Generator(transformer, tokenizer, options.maxBatch());
        this.template = template;
        this.addBos = addBos;
        this.options = options;
    }

    public static LowbitModel load(Path path, LoadOptions o) throws IOException {
        if (o.maxBatch() < 1 || o.ubatch() < 1) throw new IllegalArgumentException("batch and ubatch must be >= 1");
        Native.ensureLoaded();
        if (o.threads() > 0) Native.setThreads(o.threads());
        GgufFile f = GgufFile.open(path);
        ModelWeights w = null;
        KvCache kv = null;
        StaticKScales ks = null;
        try {
            o = o.withPlan(QuantizedGguf.effectivePlan(f, o.plan()));  // a quantized file runs under its recorded plan
            ModelConfig c = ModelConfig.from(f);
            if (o.plan().kvStaticK() && (o.calibText() == null || o.calibText().isBlank()))
                throw o.plan().missingCalibration();
            ModelConfig trained = c;
            Tokenizer tok = Tokenizer.fromGguf(f);
            if (tok.vocabSize() > c.vocab())
                throw new dev.lowbit.gguf.GgufFormatException("tokenizer has " + tok.vocabSize() + " tokens but the embedding only " + c.vocab());
            int ctx = o.contextLength() > 0 ? o.contextLength() : Math.min(c.contextLength(), 32768);
            c = c.withContext(ctx);
            KvCache.Shape shape = kvShape(o.plan(), c, ctx);
            long budget = kvBudget(o, shape); // checked before the weights load: a refusal costs nothing
            w = ModelWeights.load(f, c, o.plan(), o.weightsFromMapping());
            boolean addBos = tok.addBosByDefault();
            if (o.plan().kvStaticK())
                ks = KCalibration.run(f, trained, tok, addBos, o.calibText(), o.calibSamples(), o.plan(), o.plan().kvClip());
            kv = new KvCache(shape, budget);
            int step = Math.max(o.ubatch(), o.maxBatch());
            Transformer t = new Transformer(w, kv, step, step, ks, Transformer.Options.DEFAULT.withBatchInvariant(o.batchInvariant()));
            ChatTemplate tpl = o.chatTemplate() != null ? ChatTemplate.byName(o.chatTemplate())
                    : ChatTemplate.detect(f.getString("tokenizer.chat_template", null), c.arch().chatTemplate());
            return new LowbitModel(f, c, tok, w, kv, t, tpl, addBos, o, ks);
        } catch (IOException | RuntimeException e) {
            if (ks != null) ks.close();
            if (kv != null) kv.close();
            if (w != null) w.close();
            f.close();
            throw e;
        }
    }

    /** the largest context accepted (positions per sequence) */
    public static final int MAX_CONTEXT = 1 << 24;

    /** the cache the plan asks for, 256-token blocks; the context range checked first */
    private static KvCache.Shape kvShape(QuantPlan plan, ModelConfig c, int ctx) {
        if (ctx < 1 || ctx > MAX_CONTEXT)
            throw new IllegalArgumentException("context length " + ctx + " is out of range 1.." + MAX_CONTEXT);
        return KvCache.Shape.of(plan, c.nLayer(), c.nKvHead(), c.headDim(), 256, ctx);
    }

    /**
     * KV-cache bytes: the explicit budget, or room for every batch slot at full context; refused
     * when beyond physical memory (an allocation that size would die later, or overflow into a "negative size")
     */
    private static long kvBudget(LoadOptions o, KvCache.Shape shape) {
        long budget;
        try {
            budget = o.kvBudgetBytes() > 0 ? o.kvBudgetBytes() : Math.multiplyExact(shape.bytesPerSequence(), (long) o.maxBatch());
        } catch (ArithmeticException e) {
            budget = Long.MAX_VALUE;
        }
        long phys = PhysicalMemory.bytes();
        if (budget > phys)
            throw new IllegalArgumentException(String.format("the KV cache would need %s MiB (context %d x batch %d%s), more than this machine's "
                    + "%d MiB of physical memory: lower --ctx or --batch, or set a smaller --kv-mib",
                    budget == Long.MAX_VALUE ? "over 2^43" : Long.toString(budget >> 20), shape.maxTokensPerSeq(), o.maxBatch(),
                    o.kvBudgetBytes() > 0 ? ", budget given" : "", phys >> 20));
        return budget;
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate chatTemplate() {
        return template;
    }

    public LoadOptions options() {
        return options;
    }

    /** the calibrated static K scales of a kvq plan, or null */
    public StaticKScales staticKScales() {
        return kScales;
    }

    /**
     * The engine's parts behind this model, for the project's tools (bench, quality meter, quantizers,
     * tests) that measure or rewrite them. Not the application API: an application loads, tokenizes and
     * generates through the methods above.
     */
    public Internals internals() {
        return new Internals(file, weights, transformer);
    }

    /** the loaded file, the weights as the plan stored them, and the forward pass over them */
    public record Internals(GgufFile file, ModelWeights weights, Transformer transformer) {}

    /** token ids of raw text (BOS as the model's tokenizer wants it; special tokens parsed) */
    public int[] tokenize(String text, boolean addBos) {
        return tokenizer.encode(text, addBos, true);
    }

    /** ids of a user message wrapped in the model's chat template (after the system turn of LoadOptions, if any) */
    public int[] chatPrompt(String userMessage) {
        return tokenizer.encode(template.apply(options.systemPrompt(), userMessage), addBos && !template.hasBos, true);
    }

    /** ids of a plain prompt, BOS added if the model wants one */
    public int[] textPrompt(String text) {
        return tokenizer.encode(text, addBos, true);
    }

    public boolean addsBos() {
        return addBos;
    }

    /** one sequence from plain text (no chat template) */
    public GenerationResult generate(String prompt, int maxTokens, SamplerSettings s, GenerationRequest.TokenListener listener) {
        return generateAll(List.of(new GenerationRequest(textPrompt(prompt), s, maxTokens, List.of(), listener)), null, null).get(0);
    }

    /** many sequences with continuous batching (up to LoadOptions.maxBatch at once) */
    public List<GenerationResult> generateAll(List<GenerationRequest> requests, Consumer<GenerationResult> onDone,
                                              GenerationStats stats) {
        return generator.generate(requests, onDone, stats);
    }

    @Override
    public void close() {
        transformer.close();
        if (kScales != null) kScales.close();
        kv.close();
        weights.close();
        file.close();
    }
}
