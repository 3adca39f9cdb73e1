package dev.lowbit.eval;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationStats;
import dev.lowbit.generate.SamplerSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The evaluation's view of a loaded model: user messages go through the model's chat template,
 * all requests are decoded with continuous batching, and each result is handed over as soon as
 * its sequence finishes. Output is capped so prompt + output stay within the context.
 */
public final class LowbitEngine implements CompletionEngine {
    private final LowbitModel model;
    private final String description;
    private final GenerationStats stats = new GenerationStats();

    public LowbitEngine(LowbitModel model, String description) {
        this.model = model;
        this.description = description;
    }

    @Override
    public void complete(List<CompletionRequest> requests, Consumer<CompletionResult> sink) {
        int ctx = model.config().contextLength();
        List<GenerationRequest> reqs = new ArrayList<>();
        Map<Integer, String> ids = new HashMap<>();
        for (CompletionRequest r : requests) {
            int[] prompt = model.chatPrompt(r.userMessage());
            if (prompt.length >= ctx) { // no room to answer: an empty answer, judged like any other
                sink.accept(new CompletionResult(r.id(), "", prompt.length, 0, 0));
                continue;
            }
            int room = ctx - prompt.length;
            ids.put(reqs.size(), r.id());
            reqs.add(new GenerationRequest(prompt, new SamplerSettings(r.temperature(), r.topP(), r.topK(), r.seed()),
                    Math.min(r.maxTokens(), room), List.of(), null, r.budget()));
        }
        model.generateAll(reqs, res -> sink.accept(new CompletionResult(ids.get(res.index()), res.text(), res.promptTokens(),
                res.outputTokens(), res.seconds())), stats);
    }

    /** aggregate counters of every completion so far (decode speed for reports) */
    public GenerationStats stats() {
        return stats;
    }

    @Override
    public String systemPrompt() {
        return model.options().systemPrompt();
    }

    @Override
    public String describe() {
        return description;
    }
}
