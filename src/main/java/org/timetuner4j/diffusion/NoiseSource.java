package org.timetuner4j.diffusion;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * Gaussian noise for sampling: sample k (its index in the whole run, not in the batch) has its
 * own Philox streams, so the same seed gives the same images for any batch size and on every
 * backend. Stream 0 is the initial state x_T; stream i+1 the noise of step i.
 */
public final class NoiseSource {
    private static final long SAMPLE_STRIDE = 1L << 40;
    private final long seed;

    public NoiseSource(long seed) {
        this.seed = seed;
    }

    public long seed() { return seed; }

    /** Noise of shape [B, …] for samples firstSample … firstSample+B−1, stream {@code stream}. */
    public Tensor normal(Backend be, Shape shape, long firstSample, int stream) {
        int rows = shape.dim(0);
        long d = shape.numel() / rows;
        if (d * (stream + 1L) >= SAMPLE_STRIDE) throw new IllegalArgumentException("too many noise streams for this sample size");
        long[] offsets = new long[rows];
        for (int k = 0; k < rows; k++) offsets[k] = (firstSample + k) * SAMPLE_STRIDE + stream * d;
        return be.randnRows(shape, seed, offsets);
    }
}
