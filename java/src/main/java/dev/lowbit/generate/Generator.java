package dev.lowbit.generate;

import dev.lowbit.model.kv.Sequence;
import dev.lowbit.model.Segment;
import dev.lowbit.model.Transformer;
import dev.lowbit.tokenizer.StreamDecoder;
import dev.lowbit.tokenizer.Tokenizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Continuous batching: up to maxBatch sequences decode together, each step feeding every
 * active sequence's pending tokens (a prompt chunk, or the one token it just sampled) through
 * one forward pass, so the weights are read once per step for the whole batch. A finished
 * sequence's slot is refilled at once from the queue. When the KV cache runs out of pages the
 * newest sequence is preempted (its pages freed, its tokens recomputed later), never the process.
 */
public final class Generator {
    private final Transformer model;
    private final Tokenizer tokenizer;
    private final int maxBatch;
    private int endOfThought = -2;

    public Generator(Transformer model, Tokenizer tokenizer, int maxBatch) {
        if (maxBatch < 1) throw new IllegalArgumentException("batch must be >= 1");
        this.model = model;
        this.tokenizer = tokenizer;
        this.maxBatch = maxBatch;
    }

    private final class Active {
        final int index;
        final GenerationRequest req;
        final Sampler sampler;
        final StreamDecoder decoder;
        final StringBuilder text = new StringBuilder();
        final Sequence seq;
        int[] tokens; // prompt + generated
        int count;
        int processed; // tokens whose K/V are in the cache
        final long start = System.nanoTime();
        String stopReason;
        // budget forcing: still inside the thought (the chat prompt opened it), and its length so far
        boolean thinking;
        int thought;

        Active(int index, GenerationRequest req) {
            this.index = index;
            this.req = req;
            this.sampler = new Sampler(req.sampler());
            this.decoder = tokenizer.streamDecoder();
            this.seq = model.kv().newSequence();
            this.tokens = Arrays.copyOf(req.prompt(), req.prompt().length + Math.max(16, Math.min(req.maxTokens(), 4096)));
            this.count = req.prompt().length;
            this.thinking = req.budget() != null && req.budget().active();
        }

        int generated() {
            return count - req.prompt().length;
        }

        void append(int tok) {
            if (count == tokens.length) tokens = Arrays.copyOf(tokens, tokens.length * 2);
            tokens[count++] = tok;
        }

        GenerationResult result() {
            int[] out = Arrays.copyOfRange(tokens, req.prompt().length, count);
            return new GenerationResult(index, out, text.toString(), stopReason, req.prompt().length,
                    (System.nanoTime() - start) / 1e9);
        }
    }

    /** generates all requests; onDone is called as each finishes; returns results in request order */
    public List<GenerationResult> generate(List<GenerationRequest> requests, Consumer<GenerationResult> onDone,
                                           GenerationStats stats) {
        long t0 = System.nanoTime();
        int ctx = Math.min(model.config().contextLength(), model.kv().maxBlocksPerSeq * model.kv().blockSize);
        GenerationResult[] results = new GenerationResult[requests.size()];
        Deque<Active> waiting = new ArrayDeque<>();
        for (int i = 0; i < requests.size(); i++) {
            GenerationRequest r = requests.get(i);
            if (r.budget() != null && r.budget().active() && endOfThought() < 0)
                throw new IllegalArgumentException("budget forcing needs a model whose vocabulary has " + BudgetForcing.END + " as one token");
            if (r.prompt().length >= ctx)
                throw new IllegalArgumentException("prompt of " + r.prompt().length + " tokens does not fit the context of " + ctx);
            waiting.add(new Active(i, r));
        }
        List<Active> active = new ArrayList<>();
        float[] row = new float[model.config().vocab()];
        try {
            while (!waiting.isEmpty() || !active.isEmpty()) {
                // admit while slots and pages allow
                while (active.size() < maxBatch && !waiting.isEmpty()) {
                    Active a = waiting.peek();
                    if (!model.kv().reserve(a.seq, a.count)) break;
                    waiting.poll();
                    active.add(a);
                }
                if (active.isEmpty()) throw new IllegalStateException("KV cache cannot hold a single pending sequence");
                // build this step's segments within the token budget
                List<Segment> segs = new ArrayList<>();
                List<Active> fed = new ArrayList<>();
                List<Boolean> complete = new ArrayList<>();
                int budget = model.maxTokens();
                for (Active a : active) {
                    int pending = a.count - a.processed;
                    if (pending <= 0 || budget <= 0) continue;
                    int n = Math.min(pending, budget);
                    if (!model.kv().reserve(a.seq, a.processed + n)) continue;
                    segs.add(new Segment(a.seq, Arrays.copyOfRange(a.tokens, a.processed, a.processed + n), false));
                    fed.add(a);
                    complete.add(n == pending);
                    budget -= n;
                }
                if (segs.isEmpty()) { // out of pages: preempt the newest sequence, recompute it later
                    Active victim = active.remove(active.size() - 1);
                    victim.seq.clear();
                    victim.processed = 0;
                    waiting.addFirst(victim);
                    if (stats != null) stats.preemptions++;
                    continue;
                }
                model.forward(segs);
                if (stats != null) stats.steps++;
                for (int i = 0; i < fed.size(); i++) {
                    Active a = fed.get(i);
                    int n = segs.get(i).tokens().length;
                    if (stats != null && a.processed < a.req.prompt().length)
                        stats.promptTokens += Math.min(n, a.req.prompt().length - a.processed);
                    a.processed += n;
                    if (!complete.get(i)) continue;
                    model.logits(i, row);
                    step(a, a.sampler.sample(row), ctx);
                    if (a.stopReason != null) {
                        active.remove(a);
                        a.seq.close();
                        GenerationResult res = a.result();
                        results[a.index] = res;
                        if (stats != null) stats.outputTokens += res.outputTokens();
                        if (onDone != null) onDone.accept(res);
                    }
                }
            }
        } finally {
            for (Active a : active) a.seq.close();
            for (Active a : waiting) a.seq.close();
            if (stats != null) stats.seconds += (System.nanoTime() - t0) / 1e9;
        }
        return Arrays.asList(results);
    }

    /** the id of "</think>" when it is a single token, else -1 (looked up once) */
    private int endOfThought() {
        if (endOfThought == -2) {
            int[] ids = tokenizer.encode(BudgetForcing.END, false, true);
            endOfThought = ids.length == 1 ? ids[0] : -1;
        }
        return endOfThought;
    }

    /** applies a sampled token: budget forcing, end-of-generation, text, stop strings, limits */
    private void step(Active a, int tok, int ctx) {
        if (a.req.maxTokens() == 0) {
            a.stopReason = "length";
            return;
        }
        if (a.thinking) {
            BudgetForcing b = a.req.budget();
            if (tok == endOfThought()) {
                if (a.thought < b.minThinking()) {  // too early: "Wait" instead, and the thought goes on
                    for (int id : tokenizer.encode(BudgetForcing.WAIT, false, false)) emit(a, id);
                    a.thought++;
                    limits(a, ctx);
                    return;
                }
                a.thinking = false;
            } else if (++a.thought >= b.maxThinking() && b.maxThinking() > 0) {
                emit(a, tok);  // the budget is spent: the generator closes the thought itself
                if (a.stopReason == null) for (int id : tokenizer.encode(BudgetForcing.FORCED_END, false, true)) emit(a, id);
                a.thinking = false;
                if (a.stopReason == null) limits(a, ctx);
                return;
            }
        }
        if (tokenizer.isEog(tok)) {
            a.append(tok);
            a.stopReason = "eos";
            return;
        }
        emit(a, tok);
        if (a.stopReason == null) limits(a, ctx);
    }

    /** appends a token (sampled or forced) to the sequence, its text and the listener; checks stop strings */
    private void emit(Active a, int tok) {
        a.append(tok);
        String delta = a.decoder.push(tok);
        int before = a.text.length();
        a.text.append(delta);
        for (String s : a.req.stop()) {
            int from = Math.max(0, before - s.length());
            int at = a.text.indexOf(s, from);
            if (at >= 0) {
                a.text.setLength(at);
                delta = at > before ? delta.substring(0, at - before) : "";
                a.stopReason = "stop";
                break;
            }
        }
        if (a.req.listener() != null && !delta.isEmpty()) a.req.listener().onToken(tok, delta);
    }

    /** the length and context limits, after a token */
    private void limits(Active a, int ctx) {
        if (a.generated() >= a.req.maxTokens()) a.stopReason = "length";
        else if (a.count >= ctx) a.stopReason = "context";
        if (a.stopReason != null) {
            String tail = a.decoder.flush();
            if (!tail.isEmpty()) {
                a.text.append(tail);
                if (a.req.listener() != null) a.req.listener().onToken(-1, tail);
            }
        }
    }
}
