package org.timetuner4j.backend.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Reuses the float arrays of freed tensors. Scopes free tensors deterministically, so a
 * sampling or training loop asks for the same sizes again and again; handing those arrays back
 * avoids the allocator (and G1's humongous-object path for large activations) entirely.
 * Small arrays are left to the garbage collector; the pool holds at most {@code capacityBytes}.
 */
final class ArrayPool {
    private static final int MIN_POOLED = 4096;

    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private final long capacityBytes;
    private long pooledBytes;

    ArrayPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /**
     * An array of exactly n floats with undefined contents. A recycled array is about to hold new
     * values, so whatever was derived from its old ones (transformed convolution filters) is dropped.
     */
    float[] take(int n) {
        float[] recycled = null;
        if (n >= MIN_POOLED) {
            synchronized (this) {
                ArrayDeque<float[]> q = free.get(n);
                if (q != null && !q.isEmpty()) {
                    pooledBytes -= 4L * n;
                    recycled = q.pop();
                }
            }
        }
        if (recycled == null) return new float[n];
        KeptWeights.forget(recycled);
        return recycled;
    }

    synchronized void give(float[] a) {
        if (a.length < MIN_POOLED || pooledBytes + 4L * a.length > capacityBytes) return;
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        pooledBytes += 4L * a.length;
    }

    synchronized void clear() {
        free.clear();
        pooledBytes = 0;
    }
}
