package dev.lowbit.eval.lcb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Grades generated code against a problem's tests the way LiveCodeBench's reference does, but
 * with each test in its own sandboxed python3 process: the problem passes only if every test
 * (public then private) passes; grading stops at the first failure.
 *
 * <ul>
 * <li>stdin tests: the code runs as a script with the usual competitive-programming imports
 *     preloaded (the reference prepends the same ones); SystemExit counts as a normal end;
 *     output and expected are stripped, split into lines, and each line must match exactly or,
 *     failing that, as a list of Decimal numbers.</li>
 * <li>functional tests (metadata.func_name set): the code is executed as module "tmp_sol";
 *     if it mentions "class Solution" the method is looked up on Solution(), else at module
 *     level; each input line is one JSON argument; a tuple result becomes a list. The harness
 *     prints the result as JSON after a random nonce, and Java decides Python equality with the
 *     JSON-decoded expected value: the expected output never enters the sandbox.</li>
 * </ul>
 */
public final class LcbGrader {
    /** the outcome for one problem */
    public record Verdict(boolean passed, int testsPassed, int testsTotal, String failure) {}

    /** modules the reference imports before running a solution */
    static final String PRELUDE = String.join("\n",
            "from string import *", "from re import *", "from datetime import *", "from collections import *",
            "from heapq import *", "from bisect import *", "from copy import *", "from math import *",
            "from random import *", "from statistics import *", "from itertools import *", "from functools import *",
            "from operator import *", "from io import *", "from sys import *", "from json import *",
            "from builtins import *", "from typing import *",
            "import string", "import re", "import datetime", "import collections", "import heapq", "import bisect",
            "import copy", "import math", "import random", "import statistics", "import itertools", "import functools",
            "import operator", "import io", "import sys", "import json",
            "sys.setrecursionlimit(50000)",
            "if hasattr(sys, 'set_int_max_str_digits'): sys.set_int_max_str_digits(50000)",
            "");

    private static final String STDIN_MAIN = PRELUDE + String.join("\n",
            "try:",
            "    exec(compile(open('solution.py', encoding='utf-8').read(), 'solution.py', 'exec'))",
            "except SystemExit:",
            "    pass",
            "");

    /**
     * Calls the solution and prints only its result, as JSON, after a nonce. The expected value
     * never enters the sandbox: the parent compares (see {@link PyJsonEquality}), so the code
     * cannot read it, overwrite it, or answer with an object whose {@code __eq__} always agrees.
     * Values JSON cannot carry exactly (sets, tuples inside containers, non-str dict keys,
     * objects) are reported as UNCOMPARABLE: Python's == with a JSON-decoded value is False.
     */
    private static final String CALL_MAIN = String.join("\n",
            "import sys, io, json, types",
            "if hasattr(sys, 'set_int_max_str_digits'): sys.set_int_max_str_digits(50000)",
            "_nonce = sys.stdin.readline().strip()",
            "_fn_name = sys.argv[1]",
            "_real_out = sys.stdout",
            "class _Uncomparable(Exception): pass",
            "def _plain(v):",
            "    if v is None or type(v) is bool: return v",
            "    if isinstance(v, bool): return bool(v)",
            "    if isinstance(v, int): return int.__index__(v)",
            "    if isinstance(v, float): return float.__float__(v)",
            "    if isinstance(v, str): return str.__str__(v)",
            "    if isinstance(v, list): return [_plain(x) for x in list.__iter__(v)]",
            "    if isinstance(v, dict):",
            "        out = {}",
            "        for k, x in dict.items(v):",
            "            if not isinstance(k, str): raise _Uncomparable('dict key ' + type(k).__name__)",
            "            out[str.__str__(k)] = _plain(x)",
            "        return out",
            "    raise _Uncomparable(type(v).__name__)",
            "def _report(kind, v):",
            "    sys.stdout = _real_out",
            "    print(_nonce, kind, v, flush=True)",
            "try:",
            "    _code = open('prelude.py', encoding='utf-8').read() + '\\n\\n' + open('solution.py', encoding='utf-8').read()",
            "    _args = [json.loads(line) for line in open('input.txt', encoding='utf-8').read().split('\\n')]",
            "    sys.stdout = io.StringIO()",
            "    _mod = types.ModuleType('tmp_sol', '')",
            "    exec(compile(_code, 'solution.py', 'exec'), _mod.__dict__)",
            "    _target = _mod.Solution() if 'class Solution' in _code else _mod",
            "    _fn = getattr(_target, _fn_name)",
            "    _result = _fn(*_args)",
            "    if isinstance(_result, tuple):",
            "        _result = list(tuple.__iter__(_result))",
            "    try:",
            "        _text = json.dumps(_plain(_result))",
            "    except (_Uncomparable, RecursionError, ValueError) as _u:",
            "        _report('UNCOMPARABLE', str(_u).replace('\\n', ' ')[:80])",
            "    else:",
            "        _report('RESULT', _text)",
            "except BaseException as _e:",
            "    _report('ERROR', type(_e).__name__)",
            "");

    private final PythonSandbox sandbox;

    public LcbGrader(PythonSandbox sandbox) {
        this.sandbox = sandbox;
    }

    public PythonSandbox sandbox() {
        return sandbox;
    }

    public Verdict grade(LcbProblem problem, String code) {
        List<LcbTest> tests = problem.allTests();
        if (tests.isEmpty()) return new Verdict(false, 0, 0, "problem has no tests");
        if (code.isBlank()) return new Verdict(false, 0, tests.size(), "no code block in the output");
        for (int i = 0; i < tests.size(); i++) {
            String failure = problem.funcName() == null ? runStdin(code, tests.get(i)) : runCall(code, problem.funcName(), tests.get(i));
            if (failure != null) return new Verdict(false, i, tests.size(), "test " + (i + 1) + ": " + failure);
        }
        return new Verdict(true, tests.size(), tests.size(), "");
    }

    private String runStdin(String code, LcbTest t) {
        PythonSandbox.Run r = sandbox.run(Map.of("main.py", STDIN_MAIN, "solution.py", code), "main.py", List.of(), t.input());
        String bad = badRun(r);
        if (bad != null) return bad;
        return outputsMatch(r.stdout(), t.output()) ? null : "wrong answer";
    }

    private String runCall(String code, String fnName, LcbTest t) {
        String nonce = UUID.randomUUID().toString();
        PythonSandbox.Run r = sandbox.run(Map.of("main.py", CALL_MAIN, "prelude.py", PRELUDE, "solution.py", code,
                "input.txt", t.input()), "main.py", List.of(fnName), nonce + "\n");
        String bad = badRun(r);
        if (bad != null) return bad;
        List<String> verdicts = new ArrayList<>();
        for (String line : r.stdout().split("\n")) if (line.startsWith(nonce + " ")) verdicts.add(line.substring(nonce.length() + 1).strip());
        // the code can learn the nonce (it shares the process): a second verdict line is its forgery
        if (verdicts.size() != 1) return verdicts.isEmpty() ? "no verdict from the harness" : "more than one verdict line (forged output)";
        String v = verdicts.get(0);
        if (v.startsWith("RESULT ")) return resultMatches(v.substring(7), t.output()) ? null : "wrong answer";
        if (v.startsWith("UNCOMPARABLE")) return "wrong answer (result not comparable with JSON: " + v.substring(12).strip() + ")";
        if (v.startsWith("ERROR ")) return "runtime error (" + v + ")";
        return "no verdict from the harness";
    }

    /** Python's result == json.loads(expected), decided here from data the child never saw */
    static boolean resultMatches(String resultJson, String expectedJson) {
        try {
            return PyJsonEquality.equal(JSON.readTree(resultJson), JSON.readTree(expectedJson));
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    /** Python's json: NaN/Infinity allowed; ints up to the harness's 50,000 digits, deep nesting */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(60_000).maxNestingDepth(5_000).build())
            .build());

    private static String badRun(PythonSandbox.Run r) {
        if (r.sandboxError() != null) return r.sandboxError();
        if (r.timedOut()) return "time limit exceeded";
        if (r.outputOverflow()) return "output limit exceeded";
        if (r.exitCode() != 0) return "runtime error (exit " + r.exitCode() + ")";
        return null;
    }

    /** the reference's stdout comparison: stripped lines equal, or equal as Decimal lists */
    public static boolean outputsMatch(String actual, String expected) {
        List<String> a = strippedLines(actual), e = strippedLines(expected);
        if (a.size() != e.size()) return false;
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).equals(e.get(i))) continue;
            List<BigDecimal> da = decimals(a.get(i)), de = decimals(e.get(i));
            if (da == null || de == null || da.size() != de.size()) return false;
            for (int k = 0; k < da.size(); k++) {
                if (da.get(k).compareTo(de.get(k)) != 0) return false;
            }
        }
        return true;
    }

    static List<String> strippedLines(String s) {
        List<String> out = new ArrayList<>();
        for (String line : s.strip().split("\n", -1)) out.add(line.strip());
        return out;
    }

    private static List<BigDecimal> decimals(String line) {
        List<BigDecimal> out = new ArrayList<>();
        for (String tok : line.trim().split("\\s+")) {
            if (tok.isEmpty()) continue;
            try {
                out.add(new BigDecimal(tok.replace("_", "")));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return out;
    }
}
