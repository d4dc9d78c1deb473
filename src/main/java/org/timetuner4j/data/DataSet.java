package org.timetuner4j.data;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Tensor;

/**
 * Clean training images x0 in the model's range [−1, 1], optionally with a class label per image:
 * a finite set ({@link ImageSet}: a PNG folder or a {@code .safetensors} tensor) or an unlimited
 * distribution ({@link GaussianData}). Batches are always full: an epoch of a finite set is
 * {@code size() / batchSize} batches of a shuffled order, and the images left over are skipped in
 * that epoch (the next epoch's order differs).
 */
public interface DataSet {
    /** Number of images, or -1 when unlimited (a distribution). */
    int size();

    /** One sample's shape [C, H, W]. */
    int[] sampleShape();

    /** The class label of each image, or null when the set has none. */
    default int[] labels() { return null; }

    /** The images at {@code indices}, [indices.length, C, H, W]; for a distribution index k is its k-th draw. */
    Tensor images(Backend be, int[] indices);

    /**
     * Batch {@code index} of the epoch whose order {@code epochSeed} fixes: always
     * {@code batchSize} images; {@code index} must be below {@link #batchesPerEpoch}.
     */
    Tensor batch(Backend be, long epochSeed, int index, int batchSize);

    /**
     * Full batches in one epoch ({@link Integer#MAX_VALUE} for a distribution).
     *
     * @throws IllegalArgumentException when the set holds fewer images than one batch
     */
    default int batchesPerEpoch(int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batchSize);
        if (size() < 0) return Integer.MAX_VALUE;
        if (size() < batchSize)
            throw new IllegalArgumentException("--batch " + batchSize + " is larger than the data set (" + size()
                    + " images); batches are always full, so use --batch " + size() + " or less");
        return size() / batchSize;
    }
}
