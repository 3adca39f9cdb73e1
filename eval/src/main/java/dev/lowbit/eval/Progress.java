package dev.lowbit.eval;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Run progress: a live bar with ETA on a terminal, plain lines otherwise (CI logs). Lines never
 * contain problem text (GPQA must not leak into logs), only counts and accuracy.
 */
public interface Progress extends AutoCloseable {
    /** one more record finished */
    void step(EvalRecord r);

    @Override
    void close();

    /** a bar when stderr is a terminal, else plain lines to `plain` */
    static Progress auto(String task, long total, long alreadyDone, PrintStream plain) {
        if (System.console() != null && total > 0) return new Bar(task, total, alreadyDone);
        return new Lines(task, total, alreadyDone, plain);
    }

    static Progress none() {
        return new Progress() {
            @Override public void step(EvalRecord r) {}
            @Override public void close() {}
        };
    }

    /** me.tongfei progress bar (ETA from the rate since start) */
    final class Bar implements Progress {
        private final ProgressBar bar;
        private long correct, done;

        Bar(String task, long total, long alreadyDone) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                    .startsFrom(alreadyDone, Duration.ZERO).showSpeed().setUnit(" rec", 1).build();
        }

        @Override
        public synchronized void step(EvalRecord r) {
            done++;
            if (r.correct()) correct++;
            bar.step();
            bar.setExtraMessage(String.format("acc %.1f%%", 100.0 * correct / done));
        }

        @Override
        public synchronized void close() {
            bar.close();
        }
    }

    /** a line every `every` records and at the end, with rate and ETA */
    final class Lines implements Progress {
        private final String task;
        private final long total;
        private final PrintStream out;
        private final long start = System.nanoTime();
        private final long every;
        private long done, correct;
        private final long already;

        Lines(String task, long total, long alreadyDone, PrintStream out) {
            this.task = task;
            this.total = total;
            this.already = alreadyDone;
            this.out = out;
            this.every = Math.max(1, (total - alreadyDone) / 20);
            if (alreadyDone > 0) out.printf("%s: resuming, %d of %d already done%n", task, alreadyDone, total);
        }

        @Override
        public synchronized void step(EvalRecord r) {
            done++;
            if (r.correct()) correct++;
            if (done % every == 0 || already + done == total) {
                double secs = (System.nanoTime() - start) / 1e9;
                double rate = done / Math.max(secs, 1e-9);
                long left = total - already - done;
                out.printf("%s: %d/%d  acc %.1f%%  %.2f rec/s  ETA %s%n", task, already + done, total,
                        100.0 * correct / done, rate, formatEta(left / Math.max(rate, 1e-9)));
            }
        }

        static String formatEta(double seconds) {
            long s = Math.round(seconds);
            return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
