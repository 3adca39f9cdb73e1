package dev.lowbit.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Loaders for the math data sets in their official JSONL layouts (shared/README.md). */
public final class MathDatasets {
    private MathDatasets() {}

    private static final Pattern GSM8K_FINAL = Pattern.compile("####\\s*(\\S+)\\s*$");

    /**
     * GSM8K (openai/gsm8k main test): question, answer ending in "#### N". Problem.gold is the
     * full answer text (what the study hands its Expr extractor); detail is N without commas.
     */
    public static List<Problem> gsm8k(Path file) {
        List<JsonNode> rows = Jsonl.read(file);
        List<Problem> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String q = Jsonl.text(rows.get(i), file, i, "question");
            String a = Jsonl.text(rows.get(i), file, i, "answer");
            out.add(new Problem(Integer.toString(i), q, a, gsm8kFinalAnswer(a)));
        }
        return out;
    }

    /** the number after "####" in a GSM8K answer, thousands separators removed */
    public static String gsm8kFinalAnswer(String answer) {
        Matcher m = GSM8K_FINAL.matcher(answer.strip());
        if (!m.find()) throw new IllegalArgumentException("GSM8K answer without '#### N': " + abbreviate(answer));
        return m.group(1).replace(",", "");
    }

    /** MATH-500: problem, solution (gold = full solution, LaTeX extraction), unique_id */
    public static List<Problem> math500(Path file) {
        List<JsonNode> rows = Jsonl.read(file);
        List<Problem> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            String id = r.has("unique_id") ? r.get("unique_id").asText() : Integer.toString(i);
            String answer = r.has("answer") ? r.get("answer").asText() : null;
            out.add(new Problem(id, Jsonl.text(r, file, i, "problem"), Jsonl.text(r, file, i, "solution"), answer));
        }
        return out;
    }

    /**
     * AIME-style sets (aime24, aime25, AIME-90 = xiaoyuanliu/AIME90 exported to JSON Lines with
     * the datasets library, AMC23): a problem text
     * and an answer. Field names vary between releases ("problem"/"question"/"Problem",
     * "answer"/"Answer"); numeric answers (AMC23 stores floats) become canonical decimal text:
     * 27.0 becomes "27", 0.5 stays "0.5".
     */
    public static List<Problem> problemAnswer(Path file) {
        List<JsonNode> rows = Jsonl.read(file);
        List<Problem> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            String id = r.has("id") ? r.get("id").asText() : r.has("ID") ? r.get("ID").asText() : Integer.toString(i);
            String q = Jsonl.text(r, file, i, "problem", "question", "Problem", "Question");
            JsonNode a = r.has("answer") ? r.get("answer") : r.get("Answer");
            if (a == null || a.isNull()) throw new IllegalArgumentException(file + " record " + (i + 1) + ": no answer");
            out.add(new Problem(id, q, a.isNumber() ? canonicalNumber(a.decimalValue()) : a.asText().strip(), null));
        }
        return out;
    }

    static String canonicalNumber(BigDecimal d) {
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0).toPlainString() : s.toPlainString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
