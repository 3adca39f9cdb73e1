package dev.lowbit.eval.diverge;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One line of diverge.jsonl: one problem, its 16-bit trace and its quantized trace compared.
 *
 * @param run           what was compared (plan, sampling, token limit): a resumed run must be the same
 * @param stepKl        mean KL(16-bit || quantized) per token of each step of the 16-bit trace, teacher-forced along it
 *                      (null for a step no token starts in)
 * @param stepTop1      share of each step's tokens where the quantized model's top-1 token is the 16-bit model's
 * @param firstDiffToken the first generated token where the free-running traces differ ({@link Divergence#firstDifferentToken}), -1 if none
 * @param firstDiffStep the step (of the 16-bit trace) holding that token; null when the traces are identical
 * @param recovered     diverged, yet the quantized answer is judged correct; null when not diverged
 * @param sameAnswer    the two extracted answers are the same string
 * @param firstNewStep  the first quantized step whose text is not in the 16-bit trace ({@link Divergence#firstNewStep}); null if none
 * @param seconds       both models' generation time for the problem (its chunk's, shared out evenly)
 */
public record DivergeRecord(
        @JsonProperty("run") String run,
        @JsonProperty("benchmark") String benchmark,
        @JsonProperty("problem_id") String problemId,
        @JsonProperty("level") @JsonInclude(JsonInclude.Include.NON_NULL) Integer level,
        @JsonProperty("gold") String gold,
        @JsonProperty("w16") Trace base,
        @JsonProperty("quant") Trace quant,
        @JsonProperty("step_kl") Double[] stepKl,
        @JsonProperty("step_top1") Double[] stepTop1,
        @JsonProperty("kl_mean") Double klMean,
        @JsonProperty("top1") Double top1,
        @JsonProperty("first_diff_token") int firstDiffToken,
        @JsonProperty("first_diff_step") Integer firstDiffStep,
        @JsonProperty("diverged") boolean diverged,
        @JsonProperty("recovered") Boolean recovered,
        @JsonProperty("same_answer") boolean sameAnswer,
        @JsonProperty("first_new_step") Integer firstNewStep,
        @JsonProperty("seconds") double seconds) {

    /** one model's free-running trace */
    public record Trace(
            @JsonProperty("output") String output,
            @JsonProperty("answer") String answer,
            @JsonProperty("correct") boolean correct,
            @JsonProperty("tokens") int tokens,
            @JsonProperty("steps") int steps,
            @JsonProperty("stop") String stop) {}

    public String key() {
        return benchmark + "/" + problemId;
    }
}
