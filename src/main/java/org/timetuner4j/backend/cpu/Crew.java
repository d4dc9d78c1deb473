package org.timetuner4j.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link Parallel}'s worker threads. After a loop a worker keeps polling for the next one for a
 * short while before it parks: a parked thread took 50–70 µs to wake on the build machine (a
 * virtual machine), and a UNet forward is a chain of loops a few hundred µs long with short
 * serial gaps, so workers woken per loop came in late to most of them (OpenMP and ONNX Runtime's
 * pools spin for the same reason). One loop at a time is posted; workers that find it take pieces.
 * {@code -Dtimetuner.cpu.spin-us} sets the polling time (0: park at once).
 */
final class Crew {
    private static final long SPIN_NANOS = 1000L * Long.getLong("timetuner.cpu.spin-us", 200);

    private final AtomicReference<Parallel.Loop> posted = new AtomicReference<>();
    private final AtomicInteger parked = new AtomicInteger();
    private final Thread[] threads;
    private volatile boolean stopped;

    /** A crew of n daemon threads, or null for none. */
    static Crew of(int n) {
        return n <= 0 ? null : new Crew(n);
    }

    private Crew(int n) {
        threads = new Thread[n];
        for (int i = 0; i < n; i++) {
            threads[i] = new Thread(this::run, "timetuner-cpu-" + (i + 1));
            threads[i].setDaemon(true);
            threads[i].start();
        }
    }

    /** Offers the loop to the workers; false (nothing posted) while another loop holds them. */
    boolean post(Parallel.Loop loop) {
        if (!posted.compareAndSet(null, loop)) return false;
        if (parked.get() > 0) for (Thread t : threads) LockSupport.unpark(t);
        return true;
    }

    /** Takes a loop whose pieces are all done off the board. */
    void retire(Parallel.Loop loop) {
        posted.compareAndSet(loop, null);
    }

    /** Lets the workers end once their current piece is done. */
    void stop() {
        stopped = true;
        for (Thread t : threads) LockSupport.unpark(t);
    }

    private void run() {
        Parallel.INSIDE.set(true);
        long idleSince = System.nanoTime();
        while (!stopped) {
            Parallel.Loop loop = posted.get();
            if (loop != null && loop.hasPieces()) {
                loop.work();
                idleSince = System.nanoTime();
            } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                // counted before the last look: a loop posted after it sees parked > 0 and unparks
                parked.incrementAndGet();
                Parallel.Loop last = posted.get();
                if (!stopped && (last == null || !last.hasPieces())) LockSupport.park(this);
                parked.decrementAndGet();
                idleSince = System.nanoTime();
            }
        }
    }
}
