package dev.lowbit.eval.score;

import dev.lowbit.eval.score.Extractor.Candidate;

import java.util.List;

/**
 * Multiple-choice letter extraction (lighteval IndicesExtractionConfig with NativeLetters,
 * try_extract_without_anchor=True): "final answer is X" first, then "Answer: X", "answer ... X",
 * a letter starting the text or a line, and finally any isolated letter; rightmost first
 * within a priority. Scoring is exact letter match.
 */
public final class LetterScorer {
    private LetterScorer() {}

    /** the extracted letter ("A".."Z"), or null when none is found (isolated letters count) */
    public static String extract(String prediction, int nOptions) {
        return extract(prediction, nOptions, true);
    }

    /**
     * @param withoutAnchor also accept a bare letter anywhere (priorities 250/300); lighteval's
     *        IndicesExtractionConfig defaults to false, the reference cases use true
     */
    public static String extract(String prediction, int nOptions, boolean withoutAnchor) {
        List<Candidate> cs = extractAll(prediction, nOptions, withoutAnchor);
        return cs.isEmpty() ? null : cs.get(0).text();
    }

    public static Verdict score(String goldLetter, String prediction, int nOptions) {
        List<Candidate> golds = extractAll(goldLetter, nOptions, true);
        if (golds.isEmpty()) golds = List.of(new Candidate(null, goldLetter));
        List<Candidate> preds = extractAll(prediction, nOptions, true);
        boolean correct = false;
        for (Candidate g : golds) {
            for (Candidate p : preds) {
                String gs = g.text().strip(), ps = p.text().strip();
                if (!gs.isEmpty() && gs.equals(ps)) correct = true;
            }
        }
        return new Verdict(correct, golds.stream().map(Candidate::text).toList(), preds.stream().map(Candidate::text).toList());
    }

    private static List<Candidate> extractAll(String text, int nOptions, boolean withoutAnchor) {
        var patterns = ExtractionPatterns.letters(nOptions, withoutAnchor);
        return ScoringExecutor.call(() -> Extractor.extract(text, patterns), 2 * MathScorer.TIMEOUT_SECONDS, List.of());
    }
}
