package dev.lowbit.eval.score;

import dev.lowbit.eval.score.ExtractionPatterns.Entry;
import dev.lowbit.eval.score.Extractor.Candidate;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Scores a free-form answer against a gold answer with lighteval 0.8.0's extractive-match
 * semantics (fallback "first_match", extraction "any_match", 5 s per comparison): both sides
 * are extracted with their targets, and the prediction is correct when any extracted
 * prediction equals any extracted gold. When nothing can be extracted from the gold, the raw
 * gold string is used.
 *
 * <p>Thread-safe; Symja starts on first use.
 */
public final class MathScorer {
    /** lighteval's per-comparison limit */
    public static final double TIMEOUT_SECONDS = 5.0;
    /** LatexExtractionConfig's default \boxed priority (after "final answer is") */
    public static final int DEFAULT_BOXED_PRIORITY = 55;

    private static final Pattern GSM8K_ANSWER = Pattern.compile("####\\s*(.+?)\\s*$", Pattern.DOTALL);

    private final List<Entry> goldPatterns;
    private final List<Entry> predPatterns;
    private final BiPredicate<Candidate, Candidate> equivalence;
    private final double timeoutSeconds;

    /** the same targets for gold and prediction, \boxed at its default priority (as lighteval's tests) */
    public MathScorer(Set<Target> targets, int precision) {
        this(targets, DEFAULT_BOXED_PRIORITY, targets, DEFAULT_BOXED_PRIORITY, precision, TIMEOUT_SECONDS);
    }

    /**
     * @param goldBoxedPriority / predBoxedPriority priority of the \boxed{} patterns (0 = first,
     *        55 = lighteval's default, -1 = never)
     */
    public MathScorer(Set<Target> goldTargets, int goldBoxedPriority, Set<Target> predTargets, int predBoxedPriority,
                      int precision, double timeoutSeconds) {
        this(goldTargets, goldBoxedPriority, predTargets, predBoxedPriority, new Equivalence(precision)::equal, timeoutSeconds);
    }

    /** with a given comparison (tests use a slow one to check the time limit) */
    MathScorer(Set<Target> goldTargets, int goldBoxedPriority, Set<Target> predTargets, int predBoxedPriority,
               BiPredicate<Candidate, Candidate> equivalence, double timeoutSeconds) {
        if (goldTargets.isEmpty() || predTargets.isEmpty()) throw new IllegalArgumentException("no extraction targets");
        if (!(timeoutSeconds > 0)) throw new IllegalArgumentException("timeout must be positive");
        this.goldPatterns = patterns(goldTargets, goldBoxedPriority);
        this.predPatterns = patterns(predTargets, predBoxedPriority);
        this.equivalence = equivalence;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** the study's MATH-500 scorer: gold LaTeX (boxed priority 55), prediction expr + LaTeX with \boxed first, precision 5 */
    public static MathScorer studyMath500() {
        return new MathScorer(EnumSet.of(Target.LATEX), DEFAULT_BOXED_PRIORITY, EnumSet.of(Target.EXPR, Target.LATEX), 0, 5, TIMEOUT_SECONDS);
    }

    /** the study's AIME / GSM8K scorer: gold expr, prediction expr + LaTeX with \boxed first, precision 5 */
    public static MathScorer studyExprGold() {
        return new MathScorer(EnumSet.of(Target.EXPR), DEFAULT_BOXED_PRIORITY, EnumSet.of(Target.EXPR, Target.LATEX), 0, 5, TIMEOUT_SECONDS);
    }

    /**
     * The number after "####" in a GSM8K answer, thousands separators removed. The study hands
     * the whole answer text to expression extraction, whose rightmost-number rule lands on the
     * same number; this is for callers that want the short gold.
     */
    public static String goldFromGsm8k(String answer) {
        Matcher m = GSM8K_ANSWER.matcher(answer);
        if (!m.find()) throw new IllegalArgumentException("GSM8K answer without '####': " + abbreviate(answer));
        return m.group(1).strip().replace(",", "");
    }

    public Verdict score(String gold, String prediction) {
        List<Candidate> golds = extract(gold, goldPatterns);
        if (golds.isEmpty()) golds = List.of(new Candidate(null, gold));
        List<Candidate> preds = extract(prediction, predPatterns);
        // Symja's one-time start-up must not eat into the first comparison's time limit
        if (!golds.isEmpty() && !preds.isEmpty()) Cas.init();
        boolean correct = false;
        for (Candidate g : golds) {
            for (Candidate p : preds) {
                if (compare(g, p)) { correct = true; break; }
            }
            if (correct) break;
        }
        return new Verdict(correct, strings(golds), strings(preds));
    }

    private List<Candidate> extract(String text, List<Entry> patterns) {
        return ScoringExecutor.call(() -> Extractor.extract(text, patterns), 2 * timeoutSeconds, List.of());
    }

    private boolean compare(Candidate g, Candidate p) {
        return ScoringExecutor.call(() -> equivalence.test(g, p), timeoutSeconds, false);
    }

    private static List<String> strings(List<Candidate> cs) {
        List<String> out = new ArrayList<>();
        for (Candidate c : cs) out.add(c.toString());
        return out;
    }

    /** indices first, then LaTeX, then expressions (lighteval's order inside a priority) */
    static List<Entry> patterns(Set<Target> targets, int boxedPriority) {
        List<Entry> out = new ArrayList<>();
        if (targets.contains(Target.LETTERS)) out.addAll(ExtractionPatterns.letters(4, true));
        if (targets.contains(Target.LATEX)) out.addAll(ExtractionPatterns.latex(boxedPriority));
        if (targets.contains(Target.EXPR)) out.addAll(ExtractionPatterns.expr());
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
