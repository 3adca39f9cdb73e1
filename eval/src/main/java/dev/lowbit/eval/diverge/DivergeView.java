package dev.lowbit.eval.diverge;

import java.util.List;
import java.util.Locale;

/**
 * One problem as an HTML page: the 16-bit and the quantized trace side by side, one row per step,
 * with the step of the first different token and the first step the 16-bit trace never wrote
 * highlighted, and the teacher-forced KL / top-1 of each 16-bit step.
 */
public final class DivergeView {
    private DivergeView() {}

    /** the page's file name: the record key with anything but letters, digits, '-' and '.' replaced */
    public static String fileName(DivergeRecord r) {
        return r.key().replaceAll("[^A-Za-z0-9.-]", "_") + ".html";
    }

    public static String html(DivergeRecord r, String plan) {
        List<String> sb16 = Steps.split(r.base().output()), sq = Steps.split(r.quant().output());
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
                .append(esc(r.key())).append("</title>\n<style>body{font-family:sans-serif;margin:1em}"
                        + "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
                        + "td.t{white-space:pre-wrap;font-family:monospace;width:42%}tr.diverge td{background:#ffd6d6}"
                        + "td.new{background:#ffe9a8!important}</style></head><body>\n");
        h.append("<h1>").append(esc(r.key())).append("</h1>\n<p>Gold: <b>").append(esc(r.gold())).append("</b>. w16 answer: <b>")
                .append(esc(r.base().answer())).append("</b> (").append(r.base().correct() ? "correct" : "wrong").append("); ")
                .append(esc(plan)).append(" answer: <b>").append(esc(r.quant().answer())).append("</b> (")
                .append(r.quant().correct() ? "correct" : "wrong").append(").</p>\n<p>");
        if (!r.diverged()) h.append("The traces are identical.");
        else h.append("First different token: ").append(r.firstDiffToken()).append(", in step ").append(r.firstDiffStep())
                .append(" (red row). First ").append(esc(plan)).append(" step not in the w16 trace: ")
                .append(r.firstNewStep() == null ? "none" : String.valueOf(r.firstNewStep())).append(" (yellow cell).");
        h.append(String.format(Locale.ROOT, " Teacher-forced along the w16 trace: KL %s, top-1 %s.</p>\n", num(r.klMean(), "%.5f"),
                r.top1() == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * r.top1())));
        h.append("<table><tr><th>step</th><th>KL</th><th>top-1</th><th>w16</th><th>").append(esc(plan)).append("</th></tr>\n");
        for (int s = 0; s < Math.max(sb16.size(), sq.size()); s++) {
            boolean div = r.firstDiffStep() != null && r.firstDiffStep() == s;
            boolean fresh = r.firstNewStep() != null && r.firstNewStep() == s;
            h.append(div ? "<tr class=\"diverge\">" : "<tr>").append("<td>").append(s).append("</td><td>")
                    .append(s < r.stepKl().length ? num(r.stepKl()[s], "%.5f") : "").append("</td><td>")
                    .append(s < r.stepTop1().length && r.stepTop1()[s] != null ? String.format(Locale.ROOT, "%.0f%%", 100 * r.stepTop1()[s]) : "")
                    .append("</td><td class=\"t\">").append(s < sb16.size() ? esc(sb16.get(s)) : "")
                    .append(fresh ? "</td><td class=\"t new\">" : "</td><td class=\"t\">").append(s < sq.size() ? esc(sq.get(s)) : "")
                    .append("</td></tr>\n");
        }
        return h.append("</table></body></html>\n").toString();
    }

    private static String num(Double v, String f) {
        return v == null ? "-" : String.format(Locale.ROOT, f, v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
