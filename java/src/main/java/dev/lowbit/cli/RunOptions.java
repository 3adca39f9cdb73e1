package dev.lowbit.cli;

import dev.lowbit.eval.GenerationSettings;
import picocli.CommandLine.Option;

/** Benchmark-run options shared by `eval` and `sweep` (seeds, limit, batching, sampling). */
final class RunOptions {
    @Option(names = "--seeds", description = "seeds (default ${DEFAULT-VALUE})")
    String seeds = "42,43,44";

    @Option(names = "--limit", description = "first N problems of each benchmark (0 = all)")
    int limit = 0;

    @Option(names = "--batch", description = "sequences decoded together (default ${DEFAULT-VALUE})")
    int batch = 8;

    @Option(names = "--temp", description = "temperature (default ${DEFAULT-VALUE})")
    double temp = 0.6;

    @Option(names = "--top-p", description = "top-p (default ${DEFAULT-VALUE})")
    double topP = 0.95;

    @Option(names = "--max-tokens", description = "max output tokens (prompt + output within the context; default ${DEFAULT-VALUE})")
    int maxTokens = 32768;

    GenerationSettings generation() {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1");
        if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0");
        return new GenerationSettings(temp, topP, maxTokens);
    }
}
