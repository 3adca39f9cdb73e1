package dev.lowbit.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Budget forcing on the project's trained testbed model (models/lowbit-testbed.gguf, a model that
 * thinks in {@code <think>} and closes its thought itself): a budget cuts the thought where it says,
 * a minimum turns an early end into "Wait".
 */
class BudgetForcingTest {
    private static final Path TESTBED = Path.of("..", "models", "lowbit-testbed.gguf");
    private static final String QUESTION = "Mia has 45 marbles. On Monday, she finds 23 more marbles. How many marbles does Mia have now?";
    /** the study's math prompt (dev.lowbit.eval.Prompts.math in lowbit-eval, which the engine's tests do not see) */
    private static final String PROMPT = QUESTION + "\n\nPlease reason step by step, and put your final answer within \\boxed{}.";

    @Test
    void aBudgetClosesTheThoughtAfterExactlyThatManyTokens() throws Exception {
        try (LowbitModel m = LowbitModel.load(TESTBED, LoadOptions.defaults().withContext(512))) {
            int[] prompt = m.chatPrompt(PROMPT);
            GenerationResult free = generate(m, prompt, new BudgetForcing(0, 0));
            int natural = thinkingTokens(m, free);
            assertTrue(natural > 20, "the model thinks on its own: " + free.text());
            GenerationResult cut = generate(m, prompt, new BudgetForcing(12, 0));
            int[] end = m.tokenizer().encode(BudgetForcing.FORCED_END, false, true);
            for (int i = 0; i < 12; i++) assertEquals(free.tokens()[i], cut.tokens()[i], "greedy tokens before the cut are the model's");
            for (int i = 0; i < end.length; i++) assertEquals(end[i], cut.tokens()[12 + i], "the forced end follows token 12");
            assertTrue(cut.text().indexOf(BudgetForcing.END) < free.text().indexOf(BudgetForcing.END), cut.text());
        }
    }

    @Test
    void aMinimumTurnsAnEarlyEndIntoWait() throws Exception {
        try (LowbitModel m = LowbitModel.load(TESTBED, LoadOptions.defaults().withContext(1024))) {
            int[] prompt = m.chatPrompt(PROMPT);
            int natural = thinkingTokens(m, generate(m, prompt, new BudgetForcing(0, 0)));
            GenerationResult longer = generate(m, prompt, new BudgetForcing(0, natural + 5));
            String thought = longer.text().substring(0, Math.max(0, longer.text().indexOf(BudgetForcing.END)));
            assertTrue(thought.contains(BudgetForcing.WAIT), "the early end became Wait: " + longer.text());
            assertTrue(thinkingTokens(m, longer) > natural, longer.text());
        }
    }

    @Test
    void minAboveMaxIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BudgetForcing(10, 20));
        assertThrows(IllegalArgumentException.class, () -> new BudgetForcing(-1, 0));
    }

    private static GenerationResult generate(LowbitModel m, int[] prompt, BudgetForcing b) {
        return m.generateAll(List.of(new GenerationRequest(prompt, SamplerSettings.greedy(), 400, List.of(), null, b)), null, null).get(0);
    }

    /** generated tokens before "</think>" (all of them when the thought never closes) */
    private static int thinkingTokens(LowbitModel m, GenerationResult r) {
        int end = m.tokenizer().encode(BudgetForcing.END, false, true)[0];
        for (int i = 0; i < r.tokens().length; i++) if (r.tokens()[i] == end) return i;
        return r.tokens().length;
    }
}
