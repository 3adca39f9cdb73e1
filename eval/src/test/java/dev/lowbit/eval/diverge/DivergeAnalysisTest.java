package dev.lowbit.eval.diverge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.EvalRecord;
import dev.lowbit.eval.MathGold;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.StudyScorers;
import dev.lowbit.eval.testbed.TestbedBenchmark;
import dev.lowbit.generate.GenerationRequest;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.generate.SamplerSettings;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * diverge's numbers on the trained testbed model (models/lowbit-testbed.gguf) against direct
 * computations: softmaxes of both models' logits at every position of the w16 trace, the steps
 * counted in the decoded text before each token, and the first differing token found by a plain loop.
 */
class DivergeAnalysisTest {
    private static final Path TESTBED = Path.of("..", "models", "lowbit-testbed.gguf");

    @Test
    void perStepKlStepsAndFirstDivergenceMatchDirectComputations() throws Exception {
        TestbedBenchmark bench = new TestbedBenchmark(TestbedBenchmark.parse("testbed:7:1"), new StudyScorers().math(MathGold.EXPR));
        LoadOptions o = LoadOptions.defaults().withContext(1024);
        try (LowbitModel base = LowbitModel.load(TESTBED, o); LowbitModel quant = LowbitModel.load(TESTBED, o.withPlan(QuantPlan.parse("w2a16-g128+kv3")))) {
            int diverged = 0;
            for (Problem p : bench.problems(7)) {
                int[] prompt = base.chatPrompt(bench.prompt(p));
                GenerationRequest req = new GenerationRequest(prompt, SamplerSettings.greedy(), 400, List.of(), null);
                GenerationResult rb = base.generateAll(List.of(req), null, null).get(0), rq = quant.generateAll(List.of(req), null, null).get(0);
                DivergeRecord r = DivergeAnalysis.analyse("test", bench, p, prompt, rb, rq, base, quant, 0);

                // the steps: pieces that join back to the text, as many as the study counts, each but the last closed by one blank line
                List<String> steps = Steps.split(rb.text());
                assertEquals(rb.text(), String.join("", steps));
                assertEquals(EvalRecord.countSteps(rb.text()), steps.size());
                assertEquals(steps.size(), r.base().steps());
                for (int s = 0; s < steps.size() - 1; s++) assertEquals(steps.get(s).indexOf("\n\n"), steps.get(s).length() - 2, steps.get(s));

                // independently: logits of prompt + trace in one pass per model, KL from their softmaxes, steps from decoded prefixes
                int[] seq = Arrays.copyOf(prompt, prompt.length + rb.tokens().length);
                System.arraycopy(rb.tokens(), 0, seq, prompt.length, rb.tokens().length);
                float[][] lb = TestModels.logits(base, seq), lq = TestModels.logits(quant, seq);
                double[] klSum = new double[steps.size()];
                int[] n = new int[steps.size()], agree = new int[steps.size()];
                for (int i = 0; i < rb.tokens().length; i++) {
                    float[] b = lb[prompt.length + i - 1], q = lq[prompt.length + i - 1];
                    double[] pb = softmax(b), pq = softmax(q);
                    double kl = 0;
                    for (int v = 0; v < pb.length; v++) if (pb[v] > 0) kl += pb[v] * (Math.log(pb[v]) - Math.log(pq[v]));
                    String before = base.tokenizer().decode(Arrays.copyOf(rb.tokens(), i));
                    int step = Math.min(blankLines(before), steps.size() - 1);
                    klSum[step] += kl;
                    n[step]++;
                    if (argmax(b) == argmax(q)) agree[step]++;
                }
                assertEquals(steps.size(), r.stepKl().length);
                for (int s = 0; s < steps.size(); s++) {
                    if (n[s] == 0) {
                        assertNull(r.stepKl()[s], "step " + s + " has no tokens");
                        continue;
                    }
                    assertEquals(klSum[s] / n[s], r.stepKl()[s], 1e-9 + 1e-6 * klSum[s] / n[s], "KL of step " + s);
                    assertEquals(agree[s] / (double) n[s], r.stepTop1()[s], 1e-12, "top-1 of step " + s);
                }

                // the first different token, by a plain loop, and the step it sits in
                int first = -1;
                for (int i = 0; i < Math.max(rb.tokens().length, rq.tokens().length); i++)
                    if (i >= rb.tokens().length || i >= rq.tokens().length || rb.tokens()[i] != rq.tokens()[i]) {
                        first = i;
                        break;
                    }
                assertEquals(first, r.firstDiffToken());
                assertEquals(first >= 0, r.diverged());
                if (first >= 0) {
                    diverged++;
                    int[] t = first < rb.tokens().length ? rb.tokens() : rq.tokens();
                    String before = base.tokenizer().decode(Arrays.copyOf(t, first));
                    assertEquals(Math.min(blankLines(before), Steps.split(first < rb.tokens().length ? rb.text() : rq.text()).size() - 1),
                            r.firstDiffStep());
                    assertEquals(r.quant().correct(), r.recovered());
                } else {
                    assertNull(r.firstDiffStep());
                }
            }
            assertTrue(diverged > 0, "2-bit weights with a 3-bit KV cache change at least one of five greedy traces (one per level)");
        }
    }

    @Test
    void stepsFollowPythonsSplitAndTheFirstNewStepIsTheFirstUnknownOne() {
        assertEquals(List.of("a\n\n", "b\n\n", "\nc"), Steps.split("a\n\nb\n\n\nc"));
        assertEquals(List.of("a\n\n", ""), Steps.split("a\n\n"));
        assertEquals(List.of(""), Steps.split(""));
        assertEquals(List.of(0, 0, 1, 1, 2), Arrays.stream(Steps.ofTokens("ab\n\ncd\n\n", new int[] {0, 1, 4, 5, 8})).boxed().toList());
        assertEquals(2, Divergence.firstNewStep(List.of("x\n\n", "y\n\n", "z"), List.of("x\n\n", "z\n\n", "w")));
        assertEquals(-1, Divergence.firstNewStep(List.of("x\n\n", "y"), List.of("y\n\n", "x")));
        assertEquals(3, Divergence.firstDifferentToken(new int[] {1, 2, 3}, new int[] {1, 2, 3, 4}));
        assertEquals(-1, Divergence.firstDifferentToken(new int[] {1, 2}, new int[] {1, 2}));
    }

    /** non-overlapping "\n\n" occurrences, left to right */
    private static int blankLines(String s) {
        int k = 0;
        for (int at = s.indexOf("\n\n"); at >= 0; at = s.indexOf("\n\n", at + 2)) k++;
        return k;
    }

    private static double[] softmax(float[] l) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : l) max = Math.max(max, v);
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) sum += p[i] = Math.exp(l[i] - max);
        for (int i = 0; i < l.length; i++) p[i] /= sum;
        return p;
    }

    private static int argmax(float[] l) {
        int a = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[a]) a = i;
        return a;
    }
}
