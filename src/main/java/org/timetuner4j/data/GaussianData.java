package org.timetuner4j.data;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Unlimited draws from the Gaussian data distribution N(M, S²). */
public final class GaussianData implements DataSet {
    private static final long SEED_MIX = 0x5DEECE66DL;
    private final GaussianDistribution dist;

    public GaussianData(GaussianDistribution dist) {
        this.dist = dist;
    }

    @Override public int size() { return -1; }

    @Override public int[] sampleShape() { return dist.shape(); }

    /** Draw k is the same for every call: Philox stream (fixed seed, offset k·C·H·W). */
    @Override public Tensor images(Backend be, int[] indices) {
        int[] s = sampleShape();
        long d = (long) s[0] * s[1] * s[2];
        long[] offsets = new long[indices.length];
        for (int k = 0; k < indices.length; k++) offsets[k] = indices[k] * d;
        return scaled(be, be.randnRows(Shape.of(indices.length, s[0], s[1], s[2]), SEED_MIX, offsets));
    }

    @Override public Tensor batch(Backend be, long epochSeed, int index, int batchSize) {
        int[] s = sampleShape();
        long d = (long) s[0] * s[1] * s[2];
        return scaled(be, be.randn(Shape.of(batchSize, s[0], s[1], s[2]), epochSeed ^ SEED_MIX, (long) index * batchSize * d));
    }

    private Tensor scaled(Backend be, Tensor z) {
        Tensor x = be.affine(z, (float) dist.std(), (float) dist.mean());
        z.close();
        return x;
    }
}
