package org.timetuner4j.io.convert;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The tensors of the input, and what reading it told: the format, which weights were taken
 * (and whether they are EMA), a config and schedule metadata the file carries. Closing it closes
 * the file the tensor values are read from (once).
 */
final class LoadedCheckpoint implements Closeable {
    private final Map<String, SourceTensor> tensors;
    private final String format, weights, metadataConfig;
    private final Boolean ema;
    private final boolean emaAvailable;
    private final List<String> notes;
    private final Map<String, String> metadata;
    private Closeable file;

    /**
     * @param ema          true for EMA weights, false for raw ones, null when the file does not say
     * @param file         what the values are read from (closed by {@link #close}), or null
     */
    LoadedCheckpoint(Map<String, SourceTensor> tensors, String format, String weights, Boolean ema, boolean emaAvailable,
                     String metadataConfig, List<String> notes, Map<String, String> metadata, Closeable file) {
        this.tensors = tensors;
        this.format = format;
        this.weights = weights;
        this.ema = ema;
        this.emaAvailable = emaAvailable;
        this.metadataConfig = metadataConfig;
        this.notes = notes;
        this.metadata = metadata;
        this.file = file;
    }

    Map<String, SourceTensor> tensors() { return tensors; }

    /** How the input is described in the summary, e.g. "safetensors (42 tensors)". */
    String format() { return format; }

    /** Where in the file the weights were found. */
    String weights() { return weights; }

    Boolean ema() { return ema; }

    /** Whether the file also holds EMA weights that were not taken. */
    boolean emaAvailable() { return emaAvailable; }

    /** The {@code config} metadata entry of a safetensors input, or null. */
    String metadataConfig() { return metadataConfig; }

    /** Things worth a warning found while reading. */
    List<String> notes() { return notes; }

    Map<String, String> metadata() { return metadata; }

    @Override public void close() throws IOException {
        if (file != null) {
            Closeable f = file;
            file = null;
            f.close();
        }
    }
}
