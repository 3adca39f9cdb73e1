package dev.lowbit.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One line of a run's records.jsonl: one (benchmark, problem, seed).
 *
 * @param steps reasoning steps as the study counts them: the number of "\n\n"-separated
 *              segments of the output (Python's len(text.split("\n\n")))
 * @param level the problem's difficulty level where the benchmark grades them, else null
 */
public record EvalRecord(
        @JsonProperty("benchmark") String benchmark,
        @JsonProperty("problem_id") String problemId,
        @JsonProperty("seed") long seed,
        @JsonProperty("request_seed") long requestSeed,
        @JsonProperty("prompt") String prompt,
        @JsonProperty("output") String output,
        @JsonProperty("extracted") String extracted,
        @JsonProperty("gold") String gold,
        @JsonProperty("correct") boolean correct,
        @JsonProperty("note") String note,
        @JsonProperty("prompt_tokens") int promptTokens,
        @JsonProperty("output_tokens") int outputTokens,
        @JsonProperty("steps") int steps,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("level") @JsonInclude(JsonInclude.Include.NON_NULL) Integer level) {

    public String key() {
        return key(benchmark, problemId, seed);
    }

    public static String key(String benchmark, String problemId, long seed) {
        return benchmark + "/" + problemId + "/" + seed;
    }

    /** Python's len(text.split("\n\n")): an empty text is one segment */
    public static int countSteps(String text) {
        int n = 1;
        for (int i = text.indexOf("\n\n"); i >= 0; i = text.indexOf("\n\n", i + 2)) n++;
        return n;
    }
}
