package dev.lowbit.eval.lcb;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LiveCodeBench version subset. code_generation_lite publishes one file per release delta
 * (test.jsonl for v1, test2.jsonl ... test6.jsonl for v2..v6); its loader builds "vA_vB" from
 * the delta files A..B and "release_vN" from files 1..N. The study evaluates "v4_v5"
 * (test4.jsonl + test5.jsonl).
 *
 * <p>When the data is a single combined file, the subset is selected by contest_date instead:
 * [from, to). The release boundaries below are read from the LiveCodeBench release notes
 * (v1 May 2023-Mar 2024, v2 to May 2024, v3 to Jul 2024, v4 to Sep 2024, v5 to Jan 2025, v6 to
 * Apr 2025, each month inclusive); they are not verified against the files, so prefer the
 * per-release files when you have them, or pass an explicit window.
 */
public record LcbSubset(String name, List<String> files, LocalDate from, LocalDate to) {
    private static final LocalDate[] RELEASE_END = {
        null,
        LocalDate.of(2024, 4, 1), LocalDate.of(2024, 6, 1), LocalDate.of(2024, 8, 1),
        LocalDate.of(2024, 10, 1), LocalDate.of(2025, 2, 1), LocalDate.of(2025, 5, 1),
    };
    private static final LocalDate FIRST = LocalDate.of(2023, 5, 1);
    private static final Pattern RANGE = Pattern.compile("v(\\d)_v(\\d)");
    private static final Pattern SINGLE = Pattern.compile("v(\\d)");
    private static final Pattern RELEASE = Pattern.compile("release_v(\\d)");

    public LcbSubset {
        files = List.copyOf(files);
        if (!from.isBefore(to)) throw new IllegalArgumentException("empty date window " + from + ".." + to);
    }

    /** the study's subset */
    public static LcbSubset v4v5() {
        return parse("v4_v5");
    }

    public static LcbSubset parse(String name) {
        Matcher m;
        if ((m = RANGE.matcher(name)).matches()) return deltas(name, digit(m.group(1)), digit(m.group(2)));
        if ((m = SINGLE.matcher(name)).matches()) return deltas(name, digit(m.group(1)), digit(m.group(1)));
        if ((m = RELEASE.matcher(name)).matches()) return deltas(name, 1, digit(m.group(1)));
        throw new IllegalArgumentException("unknown LiveCodeBench subset '" + name + "' (use vA_vB, vN or release_vN, N in 1..6)");
    }

    private static int digit(String s) {
        int v = Integer.parseInt(s);
        if (v < 1 || v >= RELEASE_END.length) throw new IllegalArgumentException("LiveCodeBench release out of range: v" + v);
        return v;
    }

    private static LcbSubset deltas(String name, int a, int b) {
        if (a > b) throw new IllegalArgumentException("subset " + name + " runs backwards");
        List<String> files = new ArrayList<>();
        for (int v = a; v <= b; v++) files.add(v == 1 ? "test.jsonl" : "test" + v + ".jsonl");
        LocalDate from = a == 1 ? FIRST : RELEASE_END[a - 1];
        return new LcbSubset(name, files, from, RELEASE_END[b]);
    }

    /** the same subset with an explicit contest-date window for combined files */
    public LcbSubset withWindow(LocalDate newFrom, LocalDate newTo) {
        return new LcbSubset(name, files, newFrom, newTo);
    }

    public boolean contains(LocalDate contestDate) {
        return !contestDate.isBefore(from) && contestDate.isBefore(to);
    }
}
