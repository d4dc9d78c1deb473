package org.timetuner4j.backend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The tensors a backend has created and not yet freed, and their bytes (4 per element). Kept
 * by the backend where it wraps and frees storage, so a leak shows as a count that does not
 * return to where it started.
 */
public final class MemoryStats {
    private final AtomicLong tensors = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    /** For backends: a tensor of {@code size} bytes was created. */
    public void created(long size) {
        tensors.incrementAndGet();
        bytes.addAndGet(size);
    }

    /** For backends: a tensor of {@code size} bytes was freed. */
    public void freed(long size) {
        tensors.decrementAndGet();
        bytes.addAndGet(-size);
    }

    public long liveTensors() { return tensors.get(); }

    public long liveBytes() { return bytes.get(); }

    @Override public String toString() { return liveTensors() + " tensors, " + liveBytes() + " bytes"; }
}
