package dev.lowbit.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * GPQA-Diamond with the study's per-seed answer shuffle: before building the task the study
 * calls {@code random.seed(seed)}; then, for each question in data-set order, the correct
 * answer is inserted into [incorrect 1, incorrect 2, incorrect 3] at {@code random.randint(0,3)}
 * (one draw per question). {@link PythonRandom} reproduces CPython's draws exactly. This
 * assumes no other random draw happens between the seeding and the GPQA task's construction,
 * as when the study's inference.py builds one task per invocation.
 *
 * <p>Reads the official gpqa_diamond.csv (what the study's HF dataset is built from; fields
 * verbatim, surrounding whitespace included) or gpqa_diamond.min.jsonl (id, question,
 * correct_answer, incorrect_answers[3]; same row order, but fields stripped of surrounding
 * whitespace, so 26 of the 198 prompts differ from the study's in whitespace only).
 * {@link dev.lowbit.eval.catalogue.Benchmarks} prefers the CSV when both are there.
 * GPQA text must never be logged or committed: records written by the runner hold it (that is
 * the point of a record), so keep run directories out of the repository.
 */
public final class GpqaBenchmark implements Benchmark {
    /** the option order of one question under one seed */
    public record Options(List<String> options, int correctIndex) {
        public Options {
            options = List.copyOf(options);
        }
    }

    private record Raw(String id, String question, String correct, List<String> incorrect) {}

    private final List<Raw> rows;
    private final AnswerJudge judge;

    private GpqaBenchmark(List<Raw> rows, AnswerJudge judge) {
        if (rows.isEmpty()) throw new IllegalArgumentException("gpqa: no questions");
        this.rows = rows;
        this.judge = judge;
    }

    /** from gpqa_diamond.csv (by its .csv name) or gpqa_diamond.min.jsonl */
    public static GpqaBenchmark load(Path file, AnswerJudge judge) {
        return file.getFileName().toString().endsWith(".csv") ? loadCsv(file, judge) : loadJsonl(file, judge);
    }

    static GpqaBenchmark loadCsv(Path csv, AnswerJudge judge) {
        List<Raw> rows = new ArrayList<>();
        CSVFormat format = CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build();
        try (CSVParser p = CSVParser.parse(csv, StandardCharsets.UTF_8, format)) {
            for (String col : List.of("Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")) {
                if (!p.getHeaderMap().containsKey(col)) throw new IllegalArgumentException(csv + ": no column '" + col + "'");
            }
            boolean hasId = p.getHeaderMap().containsKey("Record ID");
            for (CSVRecord r : p) {
                String id = hasId ? r.get("Record ID") : Long.toString(r.getRecordNumber() - 1);
                rows.add(new Raw(id, r.get("Question"), r.get("Correct Answer"),
                        List.of(r.get("Incorrect Answer 1"), r.get("Incorrect Answer 2"), r.get("Incorrect Answer 3"))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv, e);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new IllegalArgumentException(csv + ": " + e.getMessage(), e);
        }
        return new GpqaBenchmark(rows, judge);
    }

    static GpqaBenchmark loadJsonl(Path minJsonl, AnswerJudge judge) {
        List<JsonNode> nodes = Jsonl.read(minJsonl);
        List<Raw> rows = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode n = nodes.get(i);
            JsonNode inc = n.get("incorrect_answers");
            if (inc == null || !inc.isArray() || inc.size() != 3) {
                throw new IllegalArgumentException(minJsonl + " record " + (i + 1) + ": incorrect_answers must hold 3 strings");
            }
            List<String> incorrect = List.of(inc.get(0).asText(), inc.get(1).asText(), inc.get(2).asText());
            String id = n.has("id") ? n.get("id").asText() : Integer.toString(i);
            rows.add(new Raw(id, Jsonl.text(n, minJsonl, i, "question"), Jsonl.text(n, minJsonl, i, "correct_answer"), incorrect));
        }
        return new GpqaBenchmark(rows, judge);
    }

    @Override public String id() { return "gpqa"; }
    @Override public String displayName() { return "GPQA-Diamond"; }

    @Override
    public List<Problem> problems(long seed) {
        PythonRandom rnd = new PythonRandom(seed);
        List<Problem> out = new ArrayList<>(rows.size());
        for (Raw r : rows) {
            int pos = (int) rnd.randint(0, 3);
            List<String> options = new ArrayList<>(r.incorrect());
            options.add(pos, r.correct());
            out.add(new Problem(r.id(), r.question(), String.valueOf((char) ('A' + pos)), new Options(options, pos)));
        }
        return out;
    }

    @Override
    public String prompt(Problem problem) {
        if (!(problem.detail() instanceof Options o)) throw new IllegalArgumentException("not a GPQA problem: " + problem.id());
        return Prompts.gpqa(problem.question(), o.options());
    }

    @Override
    public Judgement judge(Problem problem, String output) {
        return judge.judge(problem, output);
    }
}
