package org.timetuner4j.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/** The one helper through which every CPU kernel runs its parallel loops. */
public final class Parallel {
    private static volatile ForkJoinPool pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());

    private Parallel() {}

    /** Sets the number of worker threads (the CLI's --threads). */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + n);
        if (n == pool.getParallelism()) return;
        ForkJoinPool old = pool;
        pool = new ForkJoinPool(n);
        old.shutdown();
    }

    public static int threads() { return pool.getParallelism(); }

    public interface Body {
        void run(int index);
    }

    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs body(i) for i in [0, n), in parallel when it pays: a few contiguous runs of indices
     * per thread, so thousands of tiny bodies (a group norm's channels) cost a few forks, not
     * thousands.
     */
    public static void forEach(int n, Body body) {
        forRange(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) body.run(i);
        });
    }

    /**
     * Splits [0, n) into contiguous ranges of at least {@code grain} elements and runs them in
     * parallel.
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        if (n <= grain || threads() == 1 || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        int pieces = Math.min(threads() * 4, (n + grain - 1) / grain);
        int step = (n + pieces - 1) / pieces;
        pool.invoke(new Chunk(0, n, step, body));
    }

    private static final class Chunk extends RecursiveAction {
        private final int from, to, step;
        private final RangeBody body;

        Chunk(int from, int to, int step, RangeBody body) {
            this.from = from; this.to = to; this.step = step; this.body = body;
        }

        @Override protected void compute() {
            if (to - from <= step) {
                body.run(from, to);
                return;
            }
            int pieces = (to - from + step - 1) / step;
            int mid = from + (pieces / 2) * step;
            invokeAll(new Chunk(from, mid, step, body), new Chunk(mid, to, step, body));
        }
    }

    /** Sum over [0, n) of f(i), computed in parallel and in a fixed order (deterministic). */
    public static double sum(int n, java.util.function.IntToDoubleFunction f) {
        int pieces = Math.max(1, Math.min(64, n / 4096));
        double[] partial = new double[pieces];
        int step = (n + pieces - 1) / pieces;
        forEach(pieces, p -> {
            double s = 0;
            for (int i = p * step, end = Math.min(n, (p + 1) * step); i < end; i++) s += f.applyAsDouble(i);
            partial[p] = s;
        });
        double s = 0;
        for (double v : partial) s += v;
        return s;
    }

}
