package dev.lowbit;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.model.Segment;
import dev.lowbit.model.Transformer;
import dev.lowbit.model.SyntheticModel;
import dev.lowbit.util.SearchPath;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The shared fixtures, found through the model search path (fails clearly when missing). */
public final class TestModels {
    private TestModels() {}

    public static Path model(String relative) {
        return SearchPath.findModel(relative).orElseThrow(() -> new IllegalStateException(
                relative + " not found on the model search path " + SearchPath.models()
                        + " (set LOWBIT_MODEL_PATH, e.g. to ../shared/models)"));
    }

    /** writes a synthetic model of `spec` with the tokenizer of the shared vocab file `vocab` to `out` */
    public static Path synthetic(SyntheticModel.Spec spec, String vocab, Path out) throws IOException {
        try (GgufFile v = GgufFile.open(model(vocab))) {
            SyntheticModel.write(spec, v, out);
        }
        return out;
    }

    public static Path stories() {
        return model("stories260K.gguf");
    }

    /**
     * a text the model writes itself: `stories` samples after "Once upon a time" (temperature 0.8, seeds 1..stories),
     * `tokens` tokens each, one per line; a text to measure quantization damage on, as the study calibrates and scores
     */
    public static String ownStories(Path model, int stories, int tokens) {
        StringBuilder text = new StringBuilder();
        try (LowbitModel m = LowbitModel.load(model, dev.lowbit.api.LoadOptions.defaults().withBatch(stories))) {
            List<dev.lowbit.generate.GenerationRequest> reqs = new java.util.ArrayList<>();
            for (int s = 1; s <= stories; s++)
                reqs.add(new dev.lowbit.generate.GenerationRequest(m.textPrompt("Once upon a time"),
                        new dev.lowbit.generate.SamplerSettings(0.8, 1.0, 0, s), tokens, List.of(), null));
            for (dev.lowbit.generate.GenerationResult r : m.generateAll(reqs, null, null))
                text.append("Once upon a time").append(r.text()).append('\n');
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return text.toString();
    }

    /** the largest relative L2 difference between two models' logit rows at the same positions */
    public static double maxRelativeDifference(float[][] base, float[][] other) {
        double maxRel = 0;
        for (int t = 0; t < base.length; t++) {
            double num = 0, den = 0;
            for (int i = 0; i < base[t].length; i++) {
                double d = base[t][i] - other[t][i];
                num += d * d;
                den += base[t][i] * (double) base[t][i];
            }
            maxRel = Math.max(maxRel, Math.sqrt(num / den));
        }
        return maxRel;
    }

    /** logits at every position of tokens fed as one fresh sequence */
    public static float[][] logits(LowbitModel m, int[] tokens) {
        Transformer t = m.internals().transformer();
        float[][] out = new float[tokens.length][t.config().vocab()];
        try (Sequence s = t.kv().newSequence()) {
            if (!t.kv().reserve(s, tokens.length)) throw new IllegalStateException("KV cache too small for " + tokens.length + " tokens");
            if (t.forward(List.of(new Segment(s, tokens, true))) != tokens.length) throw new IllegalStateException("missing logit rows");
            for (int i = 0; i < tokens.length; i++) t.logits(i, out[i]);
        }
        return out;
    }
}
