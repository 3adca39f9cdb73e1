package dev.lowbit.quality;

import dev.lowbit.model.Segment;
import dev.lowbit.model.Transformer;
import dev.lowbit.model.kv.Sequence;
import java.util.Arrays;
import java.util.List;

/**
 * Two models fed the same token sequence (teacher forcing): per predicted token, KL(base || plan)
 * of their next-token distributions and whether their top-1 tokens agree. `lowbit diverge` runs it
 * along the 16-bit model's own reasoning trace. Both models advance in lockstep, one chunk of the
 * model's step size at a time, so only one chunk of logit rows per model is held.
 */
public final class TeacherForced {
    private TeacherForced() {}

    /** kl[j] and top1[j] describe the prediction of tokens[from + j] from the tokens before it */
    public record Comparison(double[] kl, boolean[] top1) {}

    /** compares the predictions of tokens[from..] (from >= 1: the first token has no prediction) */
    public static Comparison along(Transformer base, Transformer plan, int[] tokens, int from) {
        if (from < 1 || from > tokens.length) throw new IllegalArgumentException("from " + from + " outside 1.." + tokens.length);
        if (base.config().vocab() != plan.config().vocab()) throw new IllegalStateException("vocabularies differ");
        int n = tokens.length - from;
        double[] kl = new double[n];
        boolean[] top1 = new boolean[n];
        int vocab = base.config().vocab();
        float[] rb = new float[vocab], rp = new float[vocab];
        try (Sequence sb = base.kv().newSequence(); Sequence sp = plan.kv().newSequence()) {
            // the last token predicts nothing that is compared
            int len = tokens.length - 1;
            if (!base.kv().reserve(sb, len) || !plan.kv().reserve(sp, len))
                throw new IllegalStateException("KV cache too small for a sequence of " + len + " tokens");
            int step = Math.min(base.maxTokens(), plan.maxTokens());
            for (int s = 0; s < len; s += step) {
                int c = Math.min(step, len - s);
                int[] chunk = Arrays.copyOfRange(tokens, s, s + c);
                // rows only where they are compared: row r predicts tokens[s + r + 1]
                int rowsB = base.forward(List.of(new Segment(sb, chunk, true)));
                int rowsP = plan.forward(List.of(new Segment(sp, chunk, true)));
                if (rowsB != c || rowsP != c) throw new IllegalStateException("missing logit rows");
                for (int r = 0; r < c; r++) {
                    int j = s + r + 1 - from;
                    if (j < 0) continue;
                    base.logits(r, rb);
                    plan.logits(r, rp);
                    kl[j] = LogitStats.kl(rb, LogitStats.logSumExp(rb), rp, LogitStats.logSumExp(rp));
                    top1[j] = LogitStats.argmax(rb) == LogitStats.argmax(rp);
                }
            }
        }
        return new Comparison(kl, top1);
    }
}
