package dev.lowbit.cli;

import dev.lowbit.eval.GenerationSettings;
import dev.lowbit.generate.BudgetForcing;
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

    @Option(names = "--top-k", description = "top-k cut, 0 = none (default: the model's preset: 30 for QwQ, as the study; else none)")
    Integer topK;

    @Option(names = "--think-budget", description = "budget forcing (s1): close the thought at N thinking tokens, 0 = off (default)")
    int thinkBudget = 0;

    @Option(names = "--think-min", description = "budget forcing (s1): replace an end of thinking before N tokens by \"Wait\", 0 = off (default)")
    int thinkMin = 0;

    @Option(names = "--max-tokens", description = "max output tokens (prompt + output within the context; default ${DEFAULT-VALUE})")
    int maxTokens = 32768;

    /** the sampling settings; modelName (file name and general.name) picks the preset top-k */
    GenerationSettings generation(String modelName) {
        validate();
        return new GenerationSettings(temp, topP, topK != null ? topK : GenerationSettings.presetTopK(modelName), maxTokens,
                new BudgetForcing(thinkBudget, thinkMin));
    }

    /** range checks, before anything loads */
    void validate() {
        if (batch < 1 || batch > 1024) throw new IllegalArgumentException("--batch " + batch + " is out of range 1..1024");
        if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens must be >= 1, got " + maxTokens);
        if (!(temp >= 0) || Double.isInfinite(temp)) throw new IllegalArgumentException("--temp must be a number >= 0, got " + temp);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
        new BudgetForcing(thinkBudget, thinkMin);  // its own range checks
        if (topK != null && (topK < 0 || topK > 1_000_000)) throw new IllegalArgumentException("--top-k must be in 0..1000000, got " + topK);
    }
}
