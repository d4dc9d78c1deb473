package org.timetuner4j.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device memory by size class: a freed block goes back to a per-class free list and the next
 * request of that class takes it, so the steady state of a sampling loop allocates nothing.
 * Blocks are only ever used on the backend's single stream, so a block freed after the launches
 * that read it can be handed out at once: later work on the stream runs after them. When the
 * device runs out, the cached blocks are released and the request retried once. Generic over
 * the pointer type so that it is unit-tested without a GPU.
 */
final class CachingAllocator<P> {
    /** The raw allocator underneath (cuMemAlloc / cuMemFree). */
    interface Raw<P> {
        P alloc(long bytes);

        void free(P ptr);
    }

    /** One allocation: {@code bytes} is its size class, at least what was asked for. */
    record Block<P>(P ptr, long bytes) {}

    static final long MIN_BYTES = 512;

    private final Raw<P> raw;
    private final Map<Long, ArrayDeque<Block<P>>> free = new HashMap<>();
    private long inUse, cached, peak, rawAllocations;

    CachingAllocator(Raw<P> raw) { this.raw = raw; }

    /**
     * Sizes up to 1 MiB round up to a power of two; larger ones to a multiple of a sixteenth of
     * the next power of two (at most 12.5% waste, 8 classes per octave).
     */
    static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation " + bytes);
        if (bytes <= MIN_BYTES) return MIN_BYTES;
        long pow = Long.highestOneBit(bytes - 1) << 1;
        if (pow <= (1L << 20)) return pow;
        long step = pow / 16;
        return (bytes + step - 1) / step * step;
    }

    synchronized Block<P> take(long bytes) {
        long cls = sizeClass(bytes);
        ArrayDeque<Block<P>> list = free.get(cls);
        Block<P> b = list == null ? null : list.pollLast();
        if (b != null) {
            cached -= cls;
        } else {
            P p;
            try {
                p = raw.alloc(cls);
            } catch (RuntimeException first) {
                if (cached == 0) throw outOfMemory(cls, first);
                releaseCached();
                try {
                    p = raw.alloc(cls);
                } catch (RuntimeException second) {
                    throw outOfMemory(cls, second);
                }
            }
            rawAllocations++;
            b = new Block<>(p, cls);
        }
        inUse += cls;
        peak = Math.max(peak, inUse);
        return b;
    }

    private RuntimeException outOfMemory(long cls, RuntimeException cause) {
        return new IllegalStateException(String.format("CUDA device memory exhausted: %d bytes requested, %d in use (%s)",
                cls, inUse, cause.getMessage()), cause);
    }

    synchronized void give(Block<P> b) {
        inUse -= b.bytes();
        cached += b.bytes();
        free.computeIfAbsent(b.bytes(), k -> new ArrayDeque<>()).addLast(b);
    }

    /** Returns every cached block to the device. */
    synchronized void releaseCached() {
        for (ArrayDeque<Block<P>> list : free.values())
            for (Block<P> b : list) raw.free(b.ptr());
        free.clear();
        cached = 0;
    }

    /** Bytes held by live tensors, cached for reuse, the peak in use, and raw allocations made. */
    record Stats(long inUse, long cached, long peak, long rawAllocations) {}

    synchronized Stats stats() { return new Stats(inUse, cached, peak, rawAllocations); }
}
