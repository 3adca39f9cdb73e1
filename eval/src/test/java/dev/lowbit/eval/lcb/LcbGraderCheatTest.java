package dev.lowbit.eval.lcb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Solutions that try to pass without solving: read the expected output, forge the harness's
 * verdict, overwrite the expected value, or return an object that equals anything. The
 * expected value never enters the sandbox, so every one fails; honest answers of any JSON
 * shape still pass.
 */
class LcbGraderCheatTest {
    static LcbGrader grader;

    @BeforeAll
    static void setUp() {
        try {
            grader = new LcbGrader(new PythonSandbox(SandboxLimits.lcbDefaults().withWallTimeout(Duration.ofSeconds(5))));
        } catch (SandboxUnavailableException e) {
            Assumptions.abort("no sandbox on this machine: " + e.getMessage());
        }
    }

    static LcbProblem problem(String expected1, String expected2) {
        return LcbProblem.of("c1", "pair", "Return [a+b, a*b].", "", "leetcode", "easy", LocalDateTime.of(2024, 9, 1, 0, 0),
                List.of(new LcbTest("2\n3", expected1, LcbTest.Type.FUNCTIONAL)),
                List.of(new LcbTest("0\n-1", expected2, LcbTest.Type.FUNCTIONAL)), "pairOps");
    }

    static String solution(String body) {
        return "class Solution:\n    def pairOps(self, a, b):\n" + body.indent(8);
    }

    static final String[] CHEATS = {
        // 1. read whatever expected data lies in the working directory
        solution("import json, os\nfor f in os.listdir('.'):\n    if 'expect' in f or f.endswith('.json'):\n        return json.load(open(f))\nreturn None"),
        // 2. print the harness's nonce and a pass marker on the real stdout, then leave
        solution("import __main__, os\nos.write(1, (__main__._nonce + ' PASS\\n').encode())\nos._exit(0)"),
        // 2b. the same, then let the harness print its own line too
        solution("import __main__, sys\nprint(__main__._nonce, 'PASS', file=sys.__stdout__, flush=True)\nreturn None"),
        // 2c. forge a RESULT line equal to... whatever it can guess
        solution("import __main__, sys\nprint(__main__._nonce, 'RESULT', '[5, 6]', file=sys.__stdout__, flush=True)\nreturn [0, 0]"),
        // 3. overwrite the harness's expected value (and its comparison) in the main module
        solution("import __main__\n__main__._expected = None\n__main__._result = None\nreturn None"),
        // 4. an object equal to everything
        solution("class Any:\n    def __eq__(self, o): return True\n    def __ne__(self, o): return False\nreturn Any()"),
        // 4b. a list subclass that claims equality with anything
        solution("class L(list):\n    def __eq__(self, o): return True\nreturn L([0])"),
        // 5. look for the expected values in the harness's memory
        solution("import gc\nfor o in gc.get_objects():\n    if isinstance(o, list) and len(o) == 2 and o != [a, b] and all(type(x) is int for x in o):\n        return o\nreturn [0, 0]"),
    };

    @Test
    void everyCheatFails() {
        LcbProblem p = problem("[5, 6]", "[-1, 0]");
        for (String cheat : CHEATS) {
            LcbGrader.Verdict v = grader.grade(p, cheat);
            assertFalse(v.passed(), "cheat passed:\n" + cheat);
            assertEquals(0, v.testsPassed(), cheat + " -> " + v);
        }
    }

    @Test
    void honestAnswersOfEveryJsonShapePass() {
        // Python equality: a tuple result is a list, ints equal floats and bools of the same value
        assertTrue(grader.grade(problem("[5, 6]", "[-1, 0]"), solution("return (a + b, a * b)")).passed());
        assertTrue(grader.grade(problem("[5.0, 6]", "[-1, false]"), solution("return [a + b, a * b]")).passed());
        assertTrue(grader.grade(problem("{\"s\": 5, \"p\": [6]}", "{\"p\": [0], \"s\": -1}"),
                solution("return {'s': a + b, 'p': [a * b]}")).passed());
        assertTrue(grader.grade(problem("\"5x6\"", "\"-1x0\""), solution("return f'{a+b}x{a*b}'")).passed());
        assertTrue(grader.grade(problem("2.5", "-0.5"), solution("return (a + b) / 2")).passed());
        assertTrue(grader.grade(problem("null", "null"), solution("pass")).passed());
        String big = "1" + "0".repeat(3000);
        assertTrue(grader.grade(problem(big, big), solution("return 10 ** 3000")).passed());
    }

    @Test
    void valuesJsonCannotCarryAreWrongAnswers() {
        // Python: {5, 6} == [5, 6] and [(5, 6)] == [[5, 6]] are False; so is {5: 6} == {"5": 6}
        LcbGrader.Verdict set = grader.grade(problem("[5, 6]", "[-1, 0]"), solution("return {a + b, a * b}"));
        assertEquals("test 1: wrong answer (result not comparable with JSON: set)", set.failure());
        assertFalse(grader.grade(problem("[[5, 6]]", "[[-1, 0]]"), solution("return [(a + b, a * b)]")).passed());
        assertFalse(grader.grade(problem("{\"5\": 6}", "{\"-1\": 0}"), solution("return {a + b: a * b}")).passed());
        assertFalse(grader.grade(problem("[5, 6]", "[-1, 0]"), solution("return [5, 6.000001]")).passed());
    }
}
