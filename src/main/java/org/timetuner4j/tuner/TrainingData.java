package org.timetuner4j.tuner;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Tensor;

/** Clean training images x0 in the model's range ([−1, 1]), served in batches. */
public interface TrainingData {
    /** Number of images, or -1 when unlimited (a distribution). */
    int size();

    /** One sample's shape [C, H, W]. */
    int[] sampleShape();

    /**
     * Batch {@code index} of an epoch whose order is fixed by {@code epochSeed}; null when the
     * epoch has no such batch (the data ran out). The last batch may be smaller.
     */
    Tensor batch(Backend be, long epochSeed, int index, int batchSize);
}
