package dev.lowbit.eval.errors;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.eval.EvalRecord;
import dev.lowbit.eval.Prompts;
import dev.lowbit.eval.testbed.TestbedGenerator;
import dev.lowbit.eval.testbed.TestbedProblem;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The taxonomy on the testbed's own reference solutions (every one checks out) and on solutions with one
 * error put in by hand at a known step (each found as its kind, at its step), and the generic kinds.
 */
class ErrorTaxonomyTest {
    private static final Pattern WORKED = Pattern.compile("So (\\d+)([-+*])(\\d+)=(\\d+)\\.");

    @Test
    void everyReferenceSolutionChecksOutToItsAnswer() {
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
            for (TestbedProblem p : TestbedGenerator.draw(7, level, TestbedGenerator.Split.TEST, 20)) {
                TestbedChecker.Finding f = TestbedChecker.check(p.question(), p.solution());
                assertEquals(ErrorKind.CORRECT, f.kind(), p.question() + "\n" + p.solution() + "\n" + f);
                assertEquals(Long.toString(p.answer()), f.detail());
            }
    }

    @Test
    void oneErrorPutInIsFoundAsItsKindAtItsStep() {
        TestbedProblem p = TestbedGenerator.draw(11, 4, TestbedGenerator.Split.TEST, 40).stream()
                .filter(x -> !x.question().contains(" in each")).findFirst().orElseThrow();  // four add/subtract events
        String s = p.solution();
        // the first event's result off by one
        assertFound(p, nthWorked(s, 0, m -> m.group(1) + m.group(2) + m.group(3) + "=" + (Long.parseLong(m.group(4)) + 1)),
                ErrorKind.ARITHMETIC_ERROR, 1);
        // the second event starts from a total other than the first's result
        assertFound(p, nthWorked(s, 1, m -> (Long.parseLong(m.group(1)) + 10) + m.group(2) + m.group(3) + "=" + m.group(4)),
                ErrorKind.COPY_ERROR, 2);
        // the third event's operand restated wrongly
        String[] paras = s.split("\n\n");
        String third = paras[3].replaceFirst("So (add|subtract) (\\d+)\\.", "So $1 " + 1 + "$2.");
        assertFound(p, s.replace(paras[3], third), ErrorKind.OPERAND_MISREAD, 3);
        // the fourth event's operation reversed
        String fourth = paras[4].contains("So add") ? paras[4].replace("So add", "So subtract") : paras[4].replace("So subtract", "So add");
        assertFound(p, s.replace(paras[4], fourth), ErrorKind.WRONG_OPERATION, 4);
        // the last event left out
        assertFound(p, s.replace("\n\n" + paras[4], ""), ErrorKind.SKIPPED_EVENT, 4);
        // the start misread, and the last result restated wrongly
        assertFound(p, s.replaceFirst("starts with (\\d+)\\.", "starts with 1$1."), ErrorKind.START_MISREAD, 0);
        assertFound(p, s.replace("So the total is " + p.answer(), "So the total is " + (p.answer() + 100)), ErrorKind.FINAL_COPY, 5);
    }

    @Test
    void aMultiplicationsCopiedProductOrRestatedTotalIsACopyError() {
        TestbedProblem p = TestbedGenerator.draw(3, 5, TestbedGenerator.Split.TEST, 40).stream()
                .filter(x -> x.question().contains(" in each")).findFirst().orElseThrow();
        Matcher then = Pattern.compile("Then add (\\d+) to (\\d+)\\.").matcher(p.solution());
        assertTrue(then.find());
        long product = Long.parseLong(then.group(1)), total = Long.parseLong(then.group(2));
        String head = p.solution().substring(0, then.start()), tail = p.solution().substring(then.end());
        TestbedChecker.Finding f = TestbedChecker.check(p.question(), head + "Then add " + (product + 1) + " to " + total + "." + tail);
        assertEquals(ErrorKind.COPY_ERROR, f.kind(), f.toString());
        f = TestbedChecker.check(p.question(), head + "Then add " + product + " to " + (total + 1) + "." + tail);
        assertEquals(ErrorKind.COPY_ERROR, f.kind(), f.toString());
        assertTrue(f.detail().contains("restated"), f.detail());
        String before = " and add the product to " + total + ".";
        assertTrue(p.solution().contains(before));
        f = TestbedChecker.check(p.question(), p.solution().replace(before, " and add the product to " + (total + 10) + "."));
        assertEquals(ErrorKind.COPY_ERROR, f.kind(), f.toString());
        // the generator's own solution checks out, and so does the older format without restatements
        assertEquals(ErrorKind.CORRECT, TestbedChecker.check(p.question(), p.solution()).kind());
        String older = p.solution().replace(before, ".").replaceAll("Then add (\\d+) to \\d+\\.", "Then add $1.");
        assertEquals(ErrorKind.CORRECT, TestbedChecker.check(p.question(), older).kind());
    }

    @Test
    void genericKindsFromTheRecordAlone() {
        TestbedProblem p = TestbedGenerator.draw(5, 2, TestbedGenerator.Split.TEST, 1).get(0);
        assertEquals(ErrorKind.CORRECT, ErrorTaxonomy.classify(record("testbed", p, p.solution(), "x", true, 100), 1000).kind());
        assertEquals(ErrorKind.NO_ANSWER, ErrorTaxonomy.classify(record("testbed", p, "I am not sure.", null, false, 5), 1000).kind());
        assertEquals(ErrorKind.TRUNCATED, ErrorTaxonomy.classify(record("testbed", p, p.solution().replace("\\boxed", ""), null, false, 1000), 1000).kind());
        String loop = "Let me check.\nSo 3+4=7.\n".repeat(40);
        assertEquals(ErrorKind.LOOPING, ErrorTaxonomy.classify(record("testbed", p, loop, null, false, 1000), 1000).kind());
        assertEquals(ErrorKind.WRONG_ANSWER, ErrorTaxonomy.classify(record("gsm8k", p, "so \\boxed{3}", "3", false, 10), 1000).kind());
        // a testbed answer that is wrong although every step checks out: its last restatement
        String wrongBox = p.solution().replace("\\boxed{" + p.answer() + "}", "\\boxed{" + (p.answer() + 1) + "}");
        ErrorTaxonomy.Classification c = ErrorTaxonomy.classify(record("testbed", p, wrongBox, Long.toString(p.answer() + 1), false, 100), 1000);
        assertEquals(ErrorKind.FINAL_COPY, c.kind(), c.toString());
    }

    @Test
    void reportCountsEveryRecordOnce() {
        TestbedProblem p = TestbedGenerator.draw(5, 1, TestbedGenerator.Split.TEST, 1).get(0);
        List<EvalRecord> recs = List.of(record("testbed", p, p.solution(), "1", true, 10), record("testbed", p, "x", null, false, 3));
        List<ErrorTaxonomy.Classification> kinds = recs.stream().map(r -> ErrorTaxonomy.classify(r, 100)).toList();
        String md = ErrorReport.markdown(List.of(new ErrorReport.Run("w16", recs, kinds)));
        assertTrue(md.contains("| w16 | 2 | 1 (50.0%) | 1 (50.0%) |"), md);
        assertTrue(md.contains("## Level 1"), md);
    }

    private static void assertFound(TestbedProblem p, String output, ErrorKind kind, int step) {
        TestbedChecker.Finding f = TestbedChecker.check(p.question(), output);
        assertEquals(kind, f.kind(), output + "\n" + f);
        assertEquals(step, f.event(), output + "\n" + f);
    }

    /** the solution with its n-th worked line ("So a+b=c.") rewritten */
    private static String nthWorked(String s, int n, java.util.function.Function<Matcher, String> edit) {
        Matcher m = WORKED.matcher(s);
        for (int i = 0; i <= n; i++) assertTrue(m.find(), "worked line " + n);
        return s.substring(0, m.start()) + "So " + edit.apply(m) + "." + s.substring(m.end());
    }

    private static EvalRecord record(String bench, TestbedProblem p, String output, String extracted, boolean correct, int tokens) {
        return new EvalRecord(bench, "p", 42, 42, Prompts.math(p.question()), output, extracted, Long.toString(p.answer()), correct, "", 10,
                tokens, EvalRecord.countSteps(output), 0.1, p.level());
    }
}
