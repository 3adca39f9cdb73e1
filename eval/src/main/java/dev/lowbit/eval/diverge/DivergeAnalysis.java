package dev.lowbit.eval.diverge;

import dev.lowbit.api.LowbitModel;
import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.Judgement;
import dev.lowbit.eval.Problem;
import dev.lowbit.generate.GenerationResult;
import dev.lowbit.quality.TeacherForced;
import java.util.Arrays;
import java.util.List;

/**
 * One problem's comparison: the quantized model teacher-forced along the 16-bit trace (KL and
 * top-1 per step of that trace), where the free-running quantized trace first differs, whether its
 * answer still holds, and its first step the 16-bit trace never wrote.
 */
public final class DivergeAnalysis {
    private DivergeAnalysis() {}

    /**
     * @param run    the run's identity ({@link DivergeRecord#run})
     * @param prompt the prompt both traces continue
     * @param base   the 16-bit model's trace; quant the quantized model's, same prompt and sampler
     */
    public static DivergeRecord analyse(String run, Benchmark bench, Problem p, int[] prompt, GenerationResult base, GenerationResult quant,
                                        LowbitModel baseModel, LowbitModel quantModel, double seconds) {
        TokenText.Decoded db = TokenText.decode(baseModel.tokenizer(), base.tokens());
        TokenText.Decoded dq = TokenText.decode(quantModel.tokenizer(), quant.tokens());
        List<String> stepsB = Steps.split(db.text()), stepsQ = Steps.split(dq.text());
        int[] tokStepB = Steps.ofTokens(db.text(), db.offsets()), tokStepQ = Steps.ofTokens(dq.text(), dq.offsets());

        Double[] stepKl = new Double[stepsB.size()], stepTop1 = new Double[stepsB.size()];
        Double klMean = null, top1 = null;
        if (base.tokens().length > 0) {
            int[] seq = Arrays.copyOf(prompt, prompt.length + base.tokens().length);
            System.arraycopy(base.tokens(), 0, seq, prompt.length, base.tokens().length);
            TeacherForced.Comparison c = TeacherForced.along(baseModel.internals().transformer(), quantModel.internals().transformer(),
                    seq, prompt.length);
            double[] klSum = new double[stepsB.size()];
            int[] agree = new int[stepsB.size()], count = new int[stepsB.size()];
            double all = 0;
            int allAgree = 0;
            for (int i = 0; i < c.kl().length; i++) {
                int s = tokStepB[i];
                klSum[s] += c.kl()[i];
                count[s]++;
                if (c.top1()[i]) agree[s]++;
                all += c.kl()[i];
                if (c.top1()[i]) allAgree++;
            }
            for (int s = 0; s < stepsB.size(); s++)
                if (count[s] > 0) {  // a step whose first character came inside an earlier step's token has no tokens of its own
                    stepKl[s] = klSum[s] / count[s];
                    stepTop1[s] = agree[s] / (double) count[s];
                }
            klMean = all / c.kl().length;
            top1 = allAgree / (double) c.kl().length;
        }

        int diffTok = Divergence.firstDifferentToken(base.tokens(), quant.tokens());
        Integer diffStep = diffTok < 0 ? null : diffTok < base.tokens().length ? tokStepB[diffTok] : tokStepQ[diffTok];
        Judgement jb = bench.judge(p, base.text()), jq = bench.judge(p, quant.text());
        boolean diverged = diffTok >= 0;
        int newStep = Divergence.firstNewStep(stepsB, stepsQ);
        return new DivergeRecord(run, bench.id(), p.id(), bench.level(p), jb.goldShown(),
                new DivergeRecord.Trace(base.text(), jb.extracted(), jb.correct(), base.tokens().length, stepsB.size(), base.stopReason()),
                new DivergeRecord.Trace(quant.text(), jq.extracted(), jq.correct(), quant.tokens().length, stepsQ.size(), quant.stopReason()),
                stepKl, stepTop1, klMean, top1, diffTok, diffStep, diverged, diverged ? jq.correct() : null,
                jb.extracted().equals(jq.extracted()), newStep < 0 ? null : newStep, seconds);
    }
}
