package org.timetuner4j.nn;

/** Hands out disjoint Philox counter ranges for dropout masks, from one seed. */
public final class DropoutStream {
    private long seed;
    private long next;

    public DropoutStream(long seed) {
        this.seed = seed;
    }

    public long seed() { return seed; }

    /** Reserves {@code count} counters and returns the first. */
    public long take(long count) {
        long start = next;
        next += count;
        return start;
    }

    public void reset(long newSeed) {
        seed = newSeed;
        next = 0;
    }
}
