package dev.lowbit.eval.run;

import dev.lowbit.eval.Benchmark;
import dev.lowbit.eval.CompletionEngine;
import dev.lowbit.eval.CompletionRequest;
import dev.lowbit.eval.CompletionResult;
import dev.lowbit.eval.EvalRecord;
import dev.lowbit.eval.GenerationSettings;
import dev.lowbit.eval.Jsonl;
import dev.lowbit.eval.Judgement;
import dev.lowbit.eval.Problem;
import dev.lowbit.eval.Progress;
import dev.lowbit.eval.RecordStore;
import dev.lowbit.util.AtomicFiles;
import dev.lowbit.util.OutputLock;
import dev.lowbit.eval.report.RunReport;
import dev.lowbit.eval.report.RunSummary;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs benchmarks × seeds through a {@link CompletionEngine} and records one JSONL line per
 * (benchmark, problem, seed) in outDir/records.jsonl as each result is judged. Rerunning with
 * the same outDir skips what is already recorded, so a killed run resumes where it stopped.
 * At the end it writes summary.md, summary.csv and summary.json over the configured records.
 *
 * <p>Each request carries its own sampling seed derived from (run seed, benchmark, problem id),
 * so an output does not depend on batching, ordering or on which run segment produced it.
 */
public final class EvalRunner {
    /**
     * @param limit        0 for all problems, else the first `limit` of each benchmark
     * @param judgeThreads threads that score results (LiveCodeBench runs code; math is quick)
     */
    public record Config(List<Benchmark> benchmarks, List<Long> seeds, int limit, Path outDir,
                         GenerationSettings generation, int judgeThreads, String label) {
        public Config {
            benchmarks = List.copyOf(benchmarks);
            seeds = List.copyOf(seeds);
            Objects.requireNonNull(outDir, "outDir");
            Objects.requireNonNull(generation, "generation");
            if (benchmarks.isEmpty()) throw new IllegalArgumentException("no benchmarks");
            if (seeds.isEmpty()) throw new IllegalArgumentException("no seeds");
            if (new LinkedHashSet<>(seeds).size() != seeds.size()) throw new IllegalArgumentException("repeated seed in " + seeds);
            if (limit < 0) throw new IllegalArgumentException("limit must be >= 0");
            if (judgeThreads < 1) throw new IllegalArgumentException("judgeThreads must be >= 1");
        }

        public static Config of(List<Benchmark> benchmarks, List<Long> seeds, int limit, Path outDir) {
            return new Config(benchmarks, seeds, limit, outDir, GenerationSettings.studyDefaults(),
                    Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())), null);
        }
    }

    /** raised after a run whose engine or judge failed; everything finished before is saved */
    public static final class RunFailedException extends RuntimeException {
        RunFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Pending(Benchmark benchmark, Problem problem, long seed, String prompt, long requestSeed) {}

    /** a problem the configuration asks for under one seed */
    private record Configured(Benchmark benchmark, Problem problem, long seed) {}

    /** every configured problem by record key, in order: benchmark, seed, problem (--limit per benchmark and seed) */
    private Map<String, Configured> configured() {
        Map<String, Configured> all = new LinkedHashMap<>();
        for (Benchmark b : config.benchmarks()) {
            for (long seed : config.seeds()) {
                List<Problem> ps = b.problems(seed);
                int n = config.limit() == 0 ? ps.size() : Math.min(config.limit(), ps.size());
                for (Problem p : ps.subList(0, n)) {
                    String key = EvalRecord.key(b.id(), p.id(), seed);
                    if (all.put(key, new Configured(b, p, seed)) != null) throw new IllegalStateException("duplicate problem id " + key);
                }
            }
        }
        return all;
    }

    private final Config config;
    private final CompletionEngine engine;
    private PrintStream log = System.err;
    private boolean showProgress = true;

    public EvalRunner(Config config, CompletionEngine engine) {
        this.config = config;
        this.engine = engine;
    }

    /** where progress lines go when not on a terminal (default stderr) */
    public EvalRunner log(PrintStream out, boolean progress) {
        this.log = out;
        this.showProgress = progress;
        return this;
    }

    /** runs what is missing, then summarises all configured records */
    public RunSummary run() {
        Path out = config.outDir();
        List<Pending> pending = new ArrayList<>();
        Map<String, Configured> wanted = configured();
        try (OutputLock lock = OutputLock.acquire(out, "--out"); RecordStore store = new RecordStore(out)) {
            writeRunInfo(out);
            for (Map.Entry<String, Configured> e : wanted.entrySet()) {
                Configured c = e.getValue();
                if (!store.has(e.getKey()))
                    pending.add(new Pending(c.benchmark(), c.problem(), c.seed(), c.benchmark().prompt(c.problem()),
                            requestSeed(c.seed(), c.benchmark().id(), c.problem().id())));
            }
            if (!pending.isEmpty()) generate(store, pending, wanted.size());
            List<EvalRecord> mine = new ArrayList<>();
            for (EvalRecord r : store.records()) if (wanted.containsKey(r.key())) mine.add(r);
            RunSummary summary = RunSummary.of(label(), mine);
            RunReport.write(out, summary);
            return summary;
        }
    }

    /**
     * Scores the recorded outputs again with the configured benchmarks' current judges (e.g.
     * after a scorer fix) without generating anything, rewrites records.jsonl atomically and
     * the summary files. Records of benchmarks or seeds not configured are kept unchanged.
     */
    public RunSummary rescore() {
        Path out = config.outDir();
        Path file = out.resolve(RecordStore.FILE);
        if (!Files.exists(file)) throw new IllegalArgumentException("nothing to rescore: no " + file);
        try (OutputLock lock = OutputLock.acquire(out, "--out")) {
            return rescoreLocked(out, file);
        }
    }

    private RunSummary rescoreLocked(Path out, Path file) {
        Map<String, Configured> wanted = configured();
        List<EvalRecord> old;
        try (RecordStore store = new RecordStore(out)) {
            old = store.records();
        }
        List<EvalRecord> fresh = new ArrayList<>(old.size());
        List<EvalRecord> mine = new ArrayList<>();
        for (EvalRecord r : old) {
            Configured c = wanted.get(r.key());
            EvalRecord n = r;
            if (c != null) {
                Judgement j = c.benchmark().judge(c.problem(), r.output());
                n = new EvalRecord(r.benchmark(), r.problemId(), r.seed(), r.requestSeed(), r.prompt(), r.output(),
                        j.extracted(), j.goldShown(), j.correct(), j.note(), r.promptTokens(), r.outputTokens(), r.steps(), r.seconds(), r.level());
            }
            fresh.add(n);
            if (c != null) mine.add(n);
        }
        try {
            StringBuilder sb = new StringBuilder();
            for (EvalRecord r : fresh) sb.append(Jsonl.MAPPER.writeValueAsString(r)).append('\n');
            AtomicFiles.writeString(file, sb);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot rewrite " + file, e);
        }
        RunSummary summary = RunSummary.of(label(), mine);
        RunReport.write(out, summary);
        return summary;
    }

    private String label() {
        return config.label() != null ? config.label() : engine.describe();
    }

    private void generate(RecordStore store, List<Pending> pending, int total) {
        Map<String, Pending> byId = new LinkedHashMap<>();
        List<CompletionRequest> requests = new ArrayList<>(pending.size());
        GenerationSettings g = config.generation();
        for (Pending p : pending) {
            String id = EvalRecord.key(p.benchmark().id(), p.problem().id(), p.seed());
            byId.put(id, p);
            requests.add(new CompletionRequest(id, p.prompt(), g.temperature(), g.topP(), g.topK(), g.maxTokens(), p.requestSeed(),
                    g.budget()));
        }
        Set<String> done = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger unknown = new AtomicInteger();
        ExecutorService judges = Executors.newFixedThreadPool(config.judgeThreads(), r -> {
            Thread t = new Thread(r, "eval-judge");
            t.setDaemon(true);
            return t;
        });
        Throwable engineError = null;
        try (Progress progress = showProgress ? Progress.auto("eval", total, total - pending.size(), log) : Progress.none()) {
            try {
                engine.complete(requests, result -> {
                    Pending p = byId.get(result.id());
                    if (p == null || !done.add(result.id())) {
                        unknown.incrementAndGet();
                        return;
                    }
                    judges.execute(() -> {
                        try {
                            EvalRecord r = judge(p, result);
                            store.append(r);
                            progress.step(r);
                        } catch (Throwable t) {
                            errors.add(t);
                        }
                    });
                });
            } catch (Throwable t) {
                engineError = t;
            } finally {
                judges.shutdown();
                awaitQuietly(judges);
            }
        }
        if (engineError != null) {
            throw new RunFailedException("engine failed after " + done.size() + " of " + requests.size()
                    + " results (recorded; rerun with the same output directory to resume)", engineError);
        }
        if (!errors.isEmpty()) {
            RunFailedException e = new RunFailedException(errors.size() + " results could not be judged (not recorded)", errors.get(0));
            errors.stream().skip(1).limit(4).forEach(e::addSuppressed);
            throw e;
        }
        if (done.size() != requests.size()) {
            throw new RunFailedException("engine returned " + done.size() + " of " + requests.size() + " results"
                    + (unknown.get() > 0 ? " and " + unknown.get() + " with unknown or repeated ids" : ""), null);
        }
    }

    private static EvalRecord judge(Pending p, CompletionResult result) {
        String text = result.text() == null ? "" : result.text();
        Judgement j = p.benchmark().judge(p.problem(), text);
        return new EvalRecord(p.benchmark().id(), p.problem().id(), p.seed(), p.requestSeed(), p.prompt(), text,
                j.extracted(), j.goldShown(), j.correct(), j.note(), result.promptTokens(), result.outputTokens(),
                EvalRecord.countSteps(text), result.seconds(), p.benchmark().level(p.problem()));
    }

    private static void awaitQuietly(ExecutorService ex) {
        try {
            while (!ex.awaitTermination(1, TimeUnit.MINUTES)) {
                // judging LiveCodeBench can take long; keep waiting so finished work is saved
            }
        } catch (InterruptedException e) {
            ex.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** a stable per-request sampling seed: SplitMix64 of the run seed and an FNV-1a hash of the key */
    static long requestSeed(long seed, String benchmark, String problemId) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (benchmark + "/" + problemId).getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        long z = seed * 0x9E3779B97F4A7C15L + h;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) & Long.MAX_VALUE;
    }

    /** run.json keys older runs lack: they ran with no top-k cut and no budget forcing (0), and no system prompt */
    private static final Map<String, Object> RECORDED_LATER = Map.of("top_k", 0, "think_budget", 0, "think_min", 0, "system", "");

    /** run.json: what produced these records; a resume with other sampling settings is refused */
    private void writeRunInfo(Path out) {
        Path f = out.resolve("run.json");
        GenerationSettings g = config.generation();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("engine", engine.describe());
        info.put("temperature", g.temperature());
        info.put("top_p", g.topP());
        info.put("top_k", g.topK());
        info.put("think_budget", g.budget().maxThinking());
        info.put("think_min", g.budget().minThinking());
        info.put("max_tokens", g.maxTokens());
        info.put("system", engine.systemPrompt() == null ? "" : engine.systemPrompt());
        try {
            if (Files.exists(f)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> old = Jsonl.MAPPER.readValue(f.toFile(), Map.class);
                for (String k : List.of("temperature", "top_p", "top_k", "think_budget", "think_min", "max_tokens", "system")) {
                    // runs written before these were recorded had no top-k cut, no budget forcing, no system prompt
                    Object was = !old.containsKey(k) ? RECORDED_LATER.get(k) : old.get(k);
                    if (!String.valueOf(was).equals(String.valueOf(info.get(k)))) {
                        throw new IllegalStateException(out + " was generated with " + k + "=" + was
                                + ", this run asks for " + info.get(k) + ": use another output directory");
                    }
                }
                return;
            }
            AtomicFiles.writeString(f, Jsonl.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(info));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + f, e);
        }
    }
}
