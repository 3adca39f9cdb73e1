package dev.lowbit.eval;

import java.util.List;
import java.util.function.Consumer;

/**
 * What the evaluation needs from a model: turn user messages into completions. The engine owns
 * batching, the chat template and sampling; the evaluation only hands over requests and
 * collects results as they finish.
 */
public interface CompletionEngine extends AutoCloseable {
    /**
     * Runs all requests (the engine batches them as it likes) and calls sink as EACH finishes
     * (any order, possibly from another thread). The engine applies the model's chat template
     * to userMessage. Returns after the last sink call (the runner stops judging then); a
     * failure part-way is thrown after the results already delivered.
     */
    void complete(List<CompletionRequest> requests, Consumer<CompletionResult> sink);

    /** model + plan, for reports */
    String describe();

    /** the system turn the engine puts before every user message, or null for none (the study's setting) */
    default String systemPrompt() {
        return null;
    }

    @Override
    default void close() {}
}
