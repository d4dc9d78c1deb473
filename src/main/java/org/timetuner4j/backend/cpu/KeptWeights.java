package org.timetuner4j.backend.cpu;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Forms of a weight array made once and kept while the array lives: the transformed Winograd
 * filters, the GEMM-packed weights of the other convolutions. Sampling and tuning run every layer
 * many times with the same weights, and making a form costs a pass over the weight on the
 * calling thread. Forms are kept within a quarter of the heap; past that they are made per call
 * and not kept. A CPU tensor's array changes its values only when the backend recycles it for a
 * new tensor, adds into it in place, or adopts it from the caller; each of those calls
 * {@link #forget} first.
 */
final class KeptWeights {
    private KeptWeights() {}

    private static final long BUDGET_BYTES = Runtime.getRuntime().maxMemory() / 4;

    private record Kept(Object form, long bytes) {}

    /** Arrays compare by identity, so this maps each weight array itself to its forms by key. */
    private static final Map<float[], Map<Object, Kept>> KEPT = new WeakHashMap<>();

    /**
     * A key naming a form: what it is and everything it depends on besides w's values. Not a
     * record: a record's equals and hashCode are linked through method handles on first use,
     * which spins classes at run time that no class-data archive keeps (22 of the 106 classes a
     * cold CIFAR-10 `sample` spun came from the records that were keys here).
     */
    static Object key(Object... parts) {
        return List.of(parts);
    }

    /**
     * The form of {@code w} that {@code key} names ({@link #key}), made by {@code make} when not
     * kept. Making runs under the cache's lock: two threads never make the same form twice.
     */
    @SuppressWarnings("unchecked")
    static <T> T get(float[] w, Object key, Supplier<T> make, ToLongFunction<T> bytes) {
        synchronized (KEPT) {
            Kept kept = KEPT.getOrDefault(w, Map.of()).get(key);
            if (kept != null) return (T) kept.form();
            T form = make.get();
            long size = bytes.applyAsLong(form);
            long held = KEPT.values().stream().flatMap(m -> m.values().stream()).mapToLong(Kept::bytes).sum();
            if (held + size <= BUDGET_BYTES) KEPT.computeIfAbsent(w, k -> new HashMap<>()).put(key, new Kept(form, size));
            return form;
        }
    }

    /** Drops what was kept for {@code w}: its values are about to change. */
    static void forget(float[] w) {
        synchronized (KEPT) {
            KEPT.remove(w);
        }
    }
}
