package dev.lowbit.eval.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TestbedGeneratorTest {
    private static final Pattern START = Pattern.compile("^\\w+ has (\\d+) \\w+\\.");
    private static final Pattern EVENT = Pattern.compile(
            "(finds|buys|gives \\w+) (\\d+) (?:more )?\\w+\\.|(gives|loses|sells) (\\d+) \\w+(?: to \\w+)?\\.|buys (\\d) \\w+ with (\\d+) \\w+ in each\\.");

    /** the answer read from the question alone, independently of the generator's arithmetic */
    static long solve(String question) {
        Matcher s = START.matcher(question);
        assertTrue(s.find(), question);
        long total = Long.parseLong(s.group(1));
        Matcher e = EVENT.matcher(question.substring(s.end()));
        while (e.find()) {
            if (e.group(5) != null) total += Long.parseLong(e.group(5)) * Long.parseLong(e.group(6));
            else if (e.group(1) != null) total += Long.parseLong(e.group(2));
            else total -= Long.parseLong(e.group(4));
        }
        return total;
    }

    @Test
    void answersFollowFromTheQuestionsAndEverySumInTheChainIsRight() {
        Pattern so = Pattern.compile("So (\\d+)([-+*])(\\d+)=(\\d+)\\.");
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++) {
            for (TestbedProblem p : TestbedGenerator.draw(5, level, TestbedGenerator.Split.TRAIN, 200)) {
                assertEquals(solve(p.question()), p.answer(), p.question());
                assertTrue(p.solution().endsWith("The answer is \\boxed{" + p.answer() + "}."), p.solution());
                Matcher m = so.matcher(p.solution());
                int lines = 0;
                while (m.find()) {
                    long a = Long.parseLong(m.group(1)), b = Long.parseLong(m.group(3)), r = Long.parseLong(m.group(4));
                    long want = switch (m.group(2)) { case "+" -> a + b; case "-" -> a - b; default -> a * b; };
                    assertEquals(want, r, m.group());
                    lines++;
                }
                assertTrue(lines >= level, "one result line per event at least: " + p.solution());
            }
        }
    }

    @Test
    void columnLinesAreRightDigitByDigit() {
        // every "ones 7+5+1=13, carry 1." / "tens 2-5-1 borrow, 12-5-1=6." line: value and carry or borrow agree
        Pattern add = Pattern.compile("(?m)^[a-z-]+ (\\d)([+*])(\\d)(?:\\+(\\d))?=(\\d+)(, carry (\\d))?\\.$");
        Pattern sub = Pattern.compile("(?m)^[a-z-]+ (\\d)-(\\d)(-1)?( borrow, 1\\1-\\2(?:-1)?)?=(\\d+)\\.$");
        int checked = 0;
        for (TestbedProblem p : TestbedGenerator.draw(9, 5, TestbedGenerator.Split.TRAIN, 100)) {
            Matcher a = add.matcher(p.solution());
            while (a.find()) {
                int x = Integer.parseInt(a.group(1)), y = Integer.parseInt(a.group(3));
                int v = (a.group(2).equals("+") ? x + y : x * y) + (a.group(4) == null ? 0 : Integer.parseInt(a.group(4)));
                assertEquals(v, Integer.parseInt(a.group(5)), a.group());
                assertEquals(v / 10, a.group(6) == null ? 0 : Integer.parseInt(a.group(7)), a.group());
                checked++;
            }
            Matcher d = sub.matcher(p.solution());
            while (d.find()) {
                int v = Integer.parseInt(d.group(1)) - Integer.parseInt(d.group(2)) - (d.group(3) == null ? 0 : 1);
                assertEquals(v < 0, d.group(4) != null, d.group());
                assertEquals(v < 0 ? v + 10 : v, Integer.parseInt(d.group(5)), d.group());
                checked++;
            }
        }
        assertTrue(checked > 1000, "column lines checked: " + checked);
    }

    @Test
    void trainAndTestSplitsAreDisjointWhateverTheSeeds() {
        Set<String> train = new HashSet<>();
        for (long seed : new long[] {1, 2, 3})
            for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
                for (TestbedProblem p : TestbedGenerator.draw(seed, level, TestbedGenerator.Split.TRAIN, 2000)) train.add(p.question());
        int test = 0;
        for (long seed : new long[] {1, 2026, 7})
            for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++)
                for (TestbedProblem p : TestbedGenerator.draw(seed, level, TestbedGenerator.Split.TEST, 200)) {
                    assertEquals(TestbedGenerator.Split.TEST, TestbedGenerator.splitOf(p.question()));
                    assertTrue(!train.contains(p.question()), "test problem drawn for training: " + p.question());
                    test++;
                }
        assertEquals(3 * TestbedGenerator.MAX_LEVEL * 200, test);
    }

    @Test
    void drawsAreDeterministicAndSeedsGiveFreshProblems() {
        List<TestbedProblem> a = TestbedGenerator.draw(2026, 3, TestbedGenerator.Split.TEST, 50);
        assertEquals(a, TestbedGenerator.draw(2026, 3, TestbedGenerator.Split.TEST, 50));
        List<TestbedProblem> b = TestbedGenerator.draw(2027, 3, TestbedGenerator.Split.TEST, 50);
        Set<String> qa = new HashSet<>();
        a.forEach(p -> qa.add(p.question()));
        long shared = b.stream().filter(p -> qa.contains(p.question())).count();
        assertTrue(shared < 5, shared + " of 50 problems repeat under another seed");
        assertNotEquals(a.get(0).question(), b.get(0).question());
    }

    @Test
    void harderLevelsNeedLongerChains() {
        double previous = 0;
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++) {
            double mean = TestbedGenerator.draw(11, level, TestbedGenerator.Split.TRAIN, 300).stream()
                    .mapToInt(p -> p.solution().length()).average().orElseThrow();
            assertTrue(mean > previous * 1.15, "level " + level + " mean solution " + mean + " chars vs " + previous);
            previous = mean;
        }
    }

    @Test
    void theChainRestatesEveryEventOfTheQuestionInOrderUnderItsDay() {
        Pattern sentence = Pattern.compile("On \\w+day, [^.]*\\.");
        for (int level = 1; level <= TestbedGenerator.MAX_LEVEL; level++) {
            for (TestbedProblem p : TestbedGenerator.draw(13, level, TestbedGenerator.Split.TRAIN, 100)) {
                List<String> events = sentence.matcher(p.question()).results().map(m -> m.group()).toList();
                assertEquals(level, events.size(), p.question());
                int from = 0;
                for (String e : events) {
                    int at = p.solution().indexOf("\n" + e + " So ", from);
                    assertTrue(at >= from, "event not restated in order: " + e + "\n" + p.solution());
                    from = at + e.length();
                }
            }
        }
    }
}
