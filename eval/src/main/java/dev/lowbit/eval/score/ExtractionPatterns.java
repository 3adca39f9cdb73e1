package dev.lowbit.eval.score;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The English extraction regexes of lighteval's extractive match, rebuilt for java.util.regex
 * (named groups carry no underscores here). Each pattern has a priority: lower runs first, and
 * within one priority the rightmost match wins.
 */
final class ExtractionPatterns {
    record Entry(Pattern pattern, int priority, Target target, List<String> groups) {}

    static final String[] LATEX_PREFIXES = {"f", "n1", "n2", "n3", "n4", "n5"};
    static final String[] LATEX_ENVS = {"DD", "DB", "ID", "IP", "IB", "FR", "BX"};

    private static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES;

    private ExtractionPatterns() {}

    // ------------------------------------------------------------------ expressions / numbers

    private static final String NUMBER = "(?:"
            + "(?<integer1>-?\\d{1,3}(?:[ ,]\\d{3})+)(?<decimal1>\\.\\d+)?|"
            + "(?<integer2>-?\\d+)(?<decimal2>[.,]\\d+)|"
            + "(?<decimal3>\\.\\d+)|"
            + "(?<integer3>-?\\d+)"
            + ")(?<percent>\\s*(?:%|[Pp]ercent|\\s*[Pp]ercentage|\\s*[Pp]ct))?";
    private static final String OPS = "+\\-*×/^()÷";
    private static final String EXPR_CHARS = "[\\d.\\s" + OPS + "]";
    private static final String EXPR = "(?<expr>-?\\(?-?\\d" + EXPR_CHARS + "*[" + OPS + "]" + EXPR_CHARS + "+\\)?)";
    private static final String CURRENCY = "[$€£¥₹₽₪₩₫฿₡₢₣₤₥₦₧₨₭₮₯₰₱₲₳₴₵₶₷₸₺₻₼₾₿]";
    private static final String EXPR_PREFIX = "(?:^|\\s|=)(?:\\*\\*)?";
    private static final String EXPR_SUFFIX = "(?:\\*\\*)?(?:[.]|[,]|[:]|\\s|\\)|\\$|$)";
    private static final String EXPR_ANCHORED = "(?:" + EXPR_PREFIX + EXPR + EXPR_SUFFIX + ")";
    private static final String NUMBER_ANCHORED = "(?:" + EXPR_PREFIX + CURRENCY + "?" + NUMBER + ")";
    private static final String EXPR_OR_NUMBER = "(?:" + EXPR_ANCHORED + "|" + NUMBER_ANCHORED + ")";
    static final List<String> EXPR_GROUPS = List.of("integer1", "decimal1", "integer2", "decimal2", "decimal3",
            "integer3", "percent", "expr");

    static List<Entry> expr() {
        List<Entry> out = new ArrayList<>();
        add(out, "(?i:final answer is):?\\s*" + EXPR_OR_NUMBER + "\\.?\\s?I hope", 0, Target.EXPR, EXPR_GROUPS, FLAGS);
        add(out, "(?i:final answer.{0,100}?)\\s+is:?" + EXPR_OR_NUMBER, 50, Target.EXPR, EXPR_GROUPS, FLAGS);
        add(out, "(?i:answer)[:](?:.{0,100}=\\s*|.{0,50}?)" + EXPR_OR_NUMBER + "(?!\\s*=)", 100, Target.EXPR, EXPR_GROUPS, FLAGS);
        add(out, "(?i:answer)(?:.{0,100}=\\s*|.{0,50}?)" + EXPR_OR_NUMBER + "(?!\\s*=)", 200, Target.EXPR, EXPR_GROUPS, FLAGS);
        add(out, EXPR_ANCHORED, 300, Target.EXPR, EXPR_GROUPS, FLAGS);
        add(out, NUMBER_ANCHORED, 300, Target.EXPR, EXPR_GROUPS, FLAGS);
        return out;
    }

    // ------------------------------------------------------------------ LaTeX environments

    private static String latexEnv(String p, boolean boxed) {
        String pct = "(?<" + p + "pct>(?:\\\\?%|[Pp]ercent|[Pp]ercentage|[Pp]ct))";
        String dd = "(?:[^$]|\\$(?!\\$))";
        String db = "(?:[^\\\\]|\\\\(?!\\]))";
        String id = "(?:\\\\[$]|[^\\n$])";
        String ip = "(?:[^\\\\\\n]|\\\\(?!\\)))";
        String ib = "[^\\n\\]\\[]";
        if (boxed) {
            dd = dd + "*?\\\\boxed\\{" + dd + "+?\\}" + dd + "*?";
            db = db + "*?\\\\boxed\\{" + db + "+?\\}" + db + "*?";
            id = id + "*?\\\\boxed\\{" + id + "+?\\}" + id + "*?";
            ip = ip + "*?\\\\boxed\\{" + ip + "+?\\}" + ip + "*?";
            ib = ib + "*?\\\\boxed\\{" + ib + "+?\\}" + ib + "*?";
        } else {
            dd += "+?";
            db += "+?";
            id += "+?";
            ip += "+?";
            ib += "+?";
        }
        List<String> pats = new ArrayList<>();
        pats.add("(?<!\\\\)\\$\\$(?<" + p + "DD>" + dd + ")(?<!\\\\)\\$\\$");
        pats.add("(?<!\\\\)\\\\\\[(?<" + p + "DB>" + db + ")(?<!\\\\)\\\\\\]");
        pats.add("(?<![\\\\\\d])\\$(?<" + p + "ID>" + id + ")(?<!\\\\)\\$");
        pats.add("(?<!\\\\)\\\\\\((?<" + p + "IP>" + ip + ")(?<!\\\\)\\\\\\)");
        pats.add("\\s\\[(?<" + p + "IB>" + ib + ")\\]\\s");
        if (!boxed) {
            String simple = "-?\\d+(?:[.,]\\d+)?";
            pats.add("(?<" + p + "FR>-?\\\\frac\\{" + simple + "\\}\\{" + simple + "\\})");
        }
        return "(?:(?:" + String.join("|", pats) + ")\\s*" + pct + "?)";
    }

    private static String latexEnvs(boolean boxed) {
        StringBuilder sb = new StringBuilder("(?:").append(latexEnv("f", boxed));
        for (int i = 1; i <= 5; i++) {
            sb.append("(?:\\s*(?:and|or|,)\\s*").append(latexEnv("n" + i, boxed)).append(")?");
        }
        return sb.append(")").toString();
    }

    static List<String> latexGroups() {
        List<String> g = new ArrayList<>();
        for (String p : LATEX_PREFIXES) {
            for (String e : LATEX_ENVS) g.add(p + e);
            g.add(p + "pct");
        }
        return g;
    }

    static List<Entry> latex(int boxedPriority) {
        List<String> groups = latexGroups();
        int flags = FLAGS | Pattern.DOTALL;
        String envs = latexEnvs(false);
        List<Entry> out = new ArrayList<>();
        add(out, "(?i:final answer is):?\\s*" + envs + "\\.?\\s?I hope", 0, Target.LATEX, groups, flags);
        add(out, "(?i:final answer.{0,100}?)\\s+is:?\\s*" + envs, 50, Target.LATEX, groups, flags);
        add(out, "(?i:answer)[:].{0,50}?" + envs, 100, Target.LATEX, groups, flags);
        add(out, "(?i:answer).{0,50}?" + envs, 200, Target.LATEX, groups, flags);
        add(out, envs, 300, Target.LATEX, groups, flags);
        if (boxedPriority >= 0) {
            add(out, latexEnvs(true), boxedPriority, Target.LATEX, groups, flags);
            add(out, "(?<fBX>\\\\boxed\\{.+\\})", boxedPriority, Target.LATEX, groups, flags);
        }
        return out;
    }

    // ------------------------------------------------------------------ multiple-choice letters

    static List<Entry> letters(int nOptions, boolean withoutAnchor) {
        if (nOptions < 1 || nOptions > 26) throw new IllegalArgumentException("nOptions must be 1..26: " + nOptions);
        List<String> wrapped = new ArrayList<>();
        for (int k = 0; k < nOptions; k++) {
            char c = (char) ('A' + k);
            wrapped.add("(?:" + c + "|\\(" + c + "\\))");
        }
        String ind = "(?<indices>" + String.join("|", wrapped) + ")";
        String suffix = "(?:\\*\\*)?(?:[.]|[,]|[:]| |$)";
        String answer = "(?:^| )(?:\\*\\*)?" + ind + suffix;
        List<String> g = List.of("indices");
        List<Entry> out = new ArrayList<>();
        add(out, "(?i:final answer is):?\\s*" + ind + "\\.?\\s?I hope", 0, Target.LETTERS, g, FLAGS);
        add(out, "(?i:final answer.{0,100}?)\\s+is:?\\s*" + ind, 50, Target.LETTERS, g, FLAGS);
        add(out, "(?i:answer)[:].{0,50}?" + answer, 100, Target.LETTERS, g, FLAGS);
        add(out, "(?i:answer).{0,50}?" + answer, 150, Target.LETTERS, g, FLAGS);
        add(out, "^(?:\\*\\*)?" + ind + suffix, 200, Target.LETTERS, g, FLAGS);
        add(out, "\\n(?:\\*\\*)?" + ind + suffix, 210, Target.LETTERS, g, FLAGS);
        if (withoutAnchor) {
            add(out, answer, 250, Target.LETTERS, g, FLAGS);
            add(out, ind, 300, Target.LETTERS, g, FLAGS);
        }
        return out;
    }

    private static void add(List<Entry> out, String regex, int priority, Target t, List<String> groups, int flags) {
        List<String> present = new ArrayList<>();
        for (String g : groups) if (regex.contains("(?<" + g + ">")) present.add(g);
        out.add(new Entry(Pattern.compile(regex, flags), priority, t, present));
    }
}
