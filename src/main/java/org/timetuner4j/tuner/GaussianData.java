package org.timetuner4j.tuner;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.diffusion.GaussianModel;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Unlimited draws from the Gaussian data distribution N(M, S²) of a {@link GaussianModel}. */
public final class GaussianData implements TrainingData {
    private final GaussianModel model;

    public GaussianData(GaussianModel model) {
        this.model = model;
    }

    @Override public int size() { return -1; }

    @Override public int[] sampleShape() { return model.sampleShape(); }

    @Override public Tensor batch(Backend be, long epochSeed, int index, int batchSize) {
        int[] s = sampleShape();
        long d = (long) s[0] * s[1] * s[2];
        Tensor z = be.randn(Shape.of(batchSize, s[0], s[1], s[2]), epochSeed ^ 0x5DEECE66DL, index * batchSize * d);
        Tensor x = be.affine(z, (float) model.std(), (float) model.mean());
        z.close();
        return x;
    }
}
