package dev.lowbit.cli;

import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.Prompts;
import dev.lowbit.eval.testbed.TestbedGenerator;
import dev.lowbit.eval.testbed.TestbedProblem;
import dev.lowbit.generate.ChatTemplate;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.quant.method.CalibrationSet;
import dev.lowbit.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The calibration sources the study compares (its Table 2): generic text, a benchmark's worked
 * training problems, or reasoning the model writes itself.
 * <ul>
 *   <li>{@code FILE}: a UTF-8 text file (e.g. WikiText2, Pile)</li>
 *   <li>{@code testbed[:SEED]}: the testbed's training problems with their reference chains of thought</li>
 *   <li>{@code gen:testbed[:SEED]}: the model's own sampled reasoning on testbed training prompts (T=0.6,
 *       top-p 0.95, as the study generates its "reasoning-numina" data), prompt + trace + blank line each</li>
 * </ul>
 * Training-split problems only: calibration never sees a test problem. The testbed and its prompts are
 * the evaluation harness's, so the sources live here, where the quantize command meets both.
 */
public final class CalibrationSources {
    /** sampling of self-generated traces: the study's generation settings */
    private static final double TEMPERATURE = 0.6, TOP_P = 0.95;

    private CalibrationSources() {}

    public static CalibrationSet load(String spec, Path model, int samples, int length, long seed, Consumer<String> progress)
            throws IOException {
        Tokenizer tok;
        ChatTemplate template;
        int ctx;
        try (GgufFile f = GgufFile.open(model)) {
            tok = Tokenizer.fromGguf(f);
            template = ChatTemplate.detect(f.getString("tokenizer.chat_template", null));
            ctx = ModelConfig.from(f).contextLength();
        }
        int len = Math.min(length, ctx);
        // problems enough for the windows asked (a worked problem is a few hundred tokens)
        int perLevel = Math.max(8, Math.min(4000, (int) ((long) samples * len / 1000)));
        String text, source;
        if (spec.equals("testbed") || spec.startsWith("testbed:")) {
            long s = seedOf(spec, "testbed");
            text = testbedText(template, s, perLevel);
            source = "testbed:" + s + " (train split, " + perLevel + " per level)";
        } else if (spec.equals("gen:testbed") || spec.startsWith("gen:testbed:")) {
            long s = seedOf(spec, "gen:testbed");
            text = selfGenerated(model, template, s, Math.max(4, perLevel / 2), len, progress);
            source = "gen:testbed:" + s + " (the model's own traces on train-split prompts, T=0.6, top-p 0.95)";
        } else {
            Path file = Path.of(spec);
            if (!Files.isRegularFile(file))
                throw new IllegalArgumentException("calibration source not found: " + spec + " (a text file, testbed[:SEED] or gen:testbed[:SEED])");
            text = Files.readString(file, StandardCharsets.UTF_8);
            source = "text:" + file.getFileName();
        }
        return CalibrationSet.sample(source, tok.encode(text, false, true), samples, len, seed);
    }

    /**
     * Worked testbed problems of the TRAIN split (never a test problem), each as the model reads it
     * in a chat, prompt then reasoning and answer, followed by a blank line: the layout of the study's
     * reasoning calibration data (prompt + generated text + "\n\n").
     */
    static String testbedText(ChatTemplate template, long seed, int perLevel) {
        StringBuilder sb = new StringBuilder();
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
            for (TestbedProblem p : TestbedGenerator.draw(seed, level, TestbedGenerator.Split.TRAIN, perLevel))
                sb.append(template.apply(Prompts.math(p.question()))).append(p.solution()).append("\n\n");
        return sb.toString();
    }

    /** the model's reasoning on training prompts, sampled in batches */
    private static String selfGenerated(Path model, ChatTemplate template, long seed, int perLevel, int maxTokens,
                                        Consumer<String> progress) throws IOException {
        List<String> prompts = new ArrayList<>();
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
            for (TestbedProblem p : TestbedGenerator.draw(seed, level, TestbedGenerator.Split.TRAIN, perLevel))
                prompts.add(Prompts.math(p.question()));
        StringBuilder sb = new StringBuilder();
        try (LowbitModel m = LowbitModel.load(model, LoadOptions.defaults().withBatch(16).withContext(Math.min(4096, maxTokens + 512)))) {
            List<GenerationRequest> reqs = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++)
                reqs.add(new GenerationRequest(m.chatPrompt(prompts.get(i)), new SamplerSettings(TEMPERATURE, TOP_P, 0, seed + i), maxTokens,
                        List.of(), null));
            int[] done = {0};
            List<GenerationResult> out = m.generateAll(reqs, r -> {
                if (progress != null) progress.accept("calibration traces " + (++done[0]) + "/" + reqs.size());
            }, null);
            for (int i = 0; i < out.size(); i++) sb.append(template.apply(prompts.get(i))).append(out.get(i).text()).append("\n\n");
        }
        return sb.toString();
    }

    private static long seedOf(String spec, String prefix) {
        if (spec.equals(prefix)) return 1;
        String s = spec.substring(prefix.length() + 1);
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("calibration seed '" + s + "' in " + spec + " is not an integer");
        }
    }
}
