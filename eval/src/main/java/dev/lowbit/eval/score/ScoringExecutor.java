package dev.lowbit.eval.score;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs scoring work with a wall-clock limit (lighteval: 5 s per comparison; a timeout counts
 * as "not equal"). Workers are daemon threads with a large stack: java.util.regex recurses per
 * repetition of an alternation, and model outputs can be long.
 */
final class ScoringExecutor {
    private static final long STACK_BYTES = 512L << 20;
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ThreadFactory FACTORY = r -> {
        Thread t = new Thread(null, r, "lowbit-score-" + COUNT.incrementAndGet(), STACK_BYTES);
        t.setDaemon(true);
        return t;
    };
    private static final ExecutorService POOL = Executors.newCachedThreadPool(FACTORY);

    private ScoringExecutor() {}

    /** the task's result, or fallback when it throws, overflows the stack or runs past the limit */
    static <T> T call(Callable<T> task, double timeoutSeconds, T fallback) {
        AtomicReference<Thread> worker = new AtomicReference<>();
        Future<T> f = POOL.submit(() -> {
            worker.set(Thread.currentThread());
            return task.call();
        });
        try {
            return f.get((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            Thread w = worker.get();
            if (w != null) Cas.requestStop(w);
            return fallback;
        } catch (ExecutionException e) {
            return fallback;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return fallback;
        }
    }
}
