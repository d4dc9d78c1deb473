package org.timetuner4j.backend.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {
    private final int defaultThreads = Parallel.threads();

    @AfterEach void restoreThreads() { Parallel.setThreads(defaultThreads); }

    @Test void everyIndexRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            Parallel.setThreads(threads);
            for (int n : new int[] {1, 2, 7, 64, 1000}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                Parallel.forEach(n, i -> seen.incrementAndGet(i));
                AtomicIntegerArray ranged = new AtomicIntegerArray(n);
                Parallel.forRange(n, 3, (from, to) -> { for (int i = from; i < to; i++) ranged.incrementAndGet(i); });
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), threads + " threads, n " + n + ", index " + i);
                    assertEquals(1, ranged.get(i), threads + " threads, n " + n + ", index " + i + " (ranges)");
                }
            }
        }
    }

    @Test void aBodysExceptionReachesTheCallerAndTheNextLoopStillRuns() {
        Parallel.setThreads(3);
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> Parallel.forEach(100, i -> {
            if (i == 57) throw boom;
        })));
        AtomicIntegerArray seen = new AtomicIntegerArray(100);
        Parallel.forEach(100, seen::incrementAndGet);
        for (int i = 0; i < 100; i++) assertEquals(1, seen.get(i));
    }

    @Test void aLoopInsideABodyCompletes() {
        Parallel.setThreads(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(40 * 30);
        Parallel.forEach(40, i -> Parallel.forEach(30, j -> seen.incrementAndGet(i * 30 + j)));
        for (int i = 0; i < seen.length(); i++) assertEquals(1, seen.get(i));
    }

    /** Two application threads running loops at once share the workers without losing or repeating an index. */
    @Test void loopsFromTwoCallingThreadsAtOnce() throws Exception {
        Parallel.setThreads(3);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int c = 0; c < 2; c++)
                results.add(callers.submit(() -> {
                    for (int rep = 0; rep < 200; rep++) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(257);
                        Parallel.forEach(257, seen::incrementAndGet);
                        for (int i = 0; i < 257; i++) if (seen.get(i) != 1) return false;
                    }
                    return true;
                }));
            for (java.util.concurrent.Future<Boolean> f : results) assertEquals(true, f.get(60, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            callers.shutdownNow();
        }
    }

    /** Workers that have parked (idle past their polling time) are woken by the next loop and take pieces. */
    @Test void parkedWorkersWakeForTheNextLoop() throws Exception {
        Parallel.setThreads(2);
        for (int attempt = 0; attempt < 3; attempt++) {
            Thread.sleep(20);  // far past the polling time: the worker parks
            java.util.Set<String> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
            Parallel.forEach(8, i -> {
                ran.add(Thread.currentThread().getName());
                long end = System.nanoTime() + 2_000_000;
                while (System.nanoTime() < end) Thread.onSpinWait();
            });
            assertTrue(ran.stream().anyMatch(n -> n.startsWith("timetuner-cpu-")), "pieces ran on " + ran);
        }
    }

    /** Changing the thread count ends the old workers. */
    @Test void oldWorkersEndWhenTheThreadCountChanges() throws Exception {
        Parallel.setThreads(4);
        Parallel.forEach(100, i -> {});
        Parallel.setThreads(2);
        long deadline = System.nanoTime() + 10_000_000_000L;
        long workers;
        do {
            Thread.sleep(10);
            workers = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("timetuner-cpu-") && t.isAlive()).count();
        } while (workers != 1 && System.nanoTime() < deadline);
        assertEquals(1, workers);
    }

    @Test void sumIsTheSameForAnyThreadCount() {
        double[] sums = new double[3];
        for (int threads = 1; threads <= 3; threads++) {
            Parallel.setThreads(threads);
            sums[threads - 1] = Parallel.sum(100_000, i -> Math.sin(i) * 1e-3);
        }
        assertEquals(sums[0], sums[1], 0);
        assertEquals(sums[0], sums[2], 0);
    }
}
