package org.timetuner4j.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The one helper through which every CPU kernel runs its parallel loops. A loop is cut into a
 * fixed set of pieces; the calling thread and up to threads − 1 workers claim pieces until none
 * are left. The caller starts at once, so a worker that wakes late only takes fewer pieces
 * instead of delaying the loop, and a short loop costs about what it would serially. Which
 * thread runs a piece never changes what the piece computes, so results do not depend on it.
 * A body that itself calls into this class runs that inner loop serially, and so does a loop
 * called while another application thread's loop holds the workers.
 */
public final class Parallel {
    /** Up to this long a caller whose pieces are done spins before parking for the rest. */
    private static final long SPIN_NANOS = 50_000;
    static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);
    private static volatile int threads = Runtime.getRuntime().availableProcessors();
    private static volatile Crew workers = Crew.of(threads - 1);

    private Parallel() {}

    /** Far beyond any CPU's useful count: a larger number is a typo, and each thread costs native memory. */
    public static final int MAX_THREADS = 1024;

    /** Sets the number of threads, the caller included (the CLI's --threads). */
    public static synchronized void setThreads(int n) {
        if (n < 1 || n > MAX_THREADS) throw new IllegalArgumentException("--threads must be between 1 and " + MAX_THREADS + ", got " + n);
        if (n == threads) return;
        Crew old = workers;
        workers = Crew.of(n - 1);
        threads = n;
        if (old != null) old.stop();
    }

    public static int threads() { return threads; }

    public interface Body {
        void run(int index);
    }

    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs body(i) for i in [0, n), in parallel when it pays: a few contiguous runs of indices
     * per thread, so thousands of tiny bodies (a group norm's channels) cost a few hand-offs,
     * not thousands.
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
        Crew crew = workers;
        int t = threads;
        if (n <= grain || t == 1 || crew == null || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        int pieces = Math.min(t * 4, (n + grain - 1) / grain);
        int step = (n + pieces - 1) / pieces;
        Loop loop = new Loop(n, step, (n + step - 1) / step, body);
        if (!crew.post(loop)) {  // another application thread's loop has the workers
            body.run(0, n);
            return;
        }
        INSIDE.set(true);
        try {
            loop.work();
        } finally {
            INSIDE.set(false);
        }
        loop.awaitPieces();
        crew.retire(loop);
        loop.rethrow();
    }

    /** One parallel loop: pieces handed out in order to whichever thread asks next. */
    static final class Loop {
        final int n, step, pieces;
        final RangeBody body;
        final Thread caller = Thread.currentThread();
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable failure;

        Loop(int n, int step, int pieces, RangeBody body) {
            this.n = n; this.step = step; this.pieces = pieces; this.body = body;
        }

        boolean hasPieces() { return next.get() < pieces; }

        void work() {
            for (int p; (p = next.getAndIncrement()) < pieces; ) {
                try {
                    if (failure == null) body.run(p * step, Math.min(n, (p + 1) * step));
                } catch (Throwable e) {
                    if (failure == null) failure = e;
                } finally {
                    if (done.incrementAndGet() == pieces) LockSupport.unpark(caller);
                }
            }
        }

        void awaitPieces() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (done.get() < pieces) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.park(this);
            }
        }

        void rethrow() {
            Throwable e = failure;
            if (e instanceof RuntimeException r) throw r;
            if (e instanceof Error err) throw err;
            if (e != null) throw new IllegalStateException(e);
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
