package dev.lowbit.eval.diverge;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Where a free-running quantized trace leaves the 16-bit one. */
public final class Divergence {
    private Divergence() {}

    /**
     * the index of the first generated token where the traces differ; when one trace is a prefix of
     * the other, the shorter one's length; -1 when they are identical
     */
    public static int firstDifferentToken(int[] base, int[] quant) {
        int n = Math.min(base.length, quant.length);
        for (int i = 0; i < n; i++) if (base[i] != quant[i]) return i;
        return base.length == quant.length ? -1 : n;
    }

    /**
     * The first step of the quantized trace whose text is not in the 16-bit trace: not equal,
     * whitespace at both ends stripped, to any of the 16-bit trace's steps (anywhere in it, so a
     * step the quantized model reaches later or earlier than the 16-bit one still counts as
     * shared). Steps that are blank after stripping are skipped. -1 when every step is shared.
     */
    public static int firstNewStep(List<String> baseSteps, List<String> quantSteps) {
        Set<String> known = new HashSet<>();
        for (String s : baseSteps) known.add(s.strip());
        for (int i = 0; i < quantSteps.size(); i++) {
            String s = quantSteps.get(i).strip();
            if (!s.isEmpty() && !known.contains(s)) return i;
        }
        return -1;
    }
}
