package org.timetuner4j.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The contents of a safetensors file.
 *
 * @param tensors  name to tensor, in file-offset order (unmodifiable)
 * @param metadata the {@code __metadata__} map, empty when absent (unmodifiable)
 */
public record SafetensorsFile(Map<String, TensorData> tensors, Map<String, String> metadata) {

    public SafetensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tensors, "tensors")));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata == null ? Map.of() : metadata));
    }

    /** The tensor called {@code name}, or null. */
    public TensorData get(String name) {
        return tensors.get(name);
    }

    /** Name to shape, in file order (each shape a fresh copy). */
    public Map<String, int[]> shapes() {
        Map<String, int[]> m = new LinkedHashMap<>();
        tensors.forEach((k, v) -> m.put(k, v.shape()));
        return m;
    }
}
