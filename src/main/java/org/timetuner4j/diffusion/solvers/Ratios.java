package org.timetuner4j.diffusion.solvers;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** The tensors a step takes for its tuned times: ratio scalars per slot, and time vectors. */
public final class Ratios {
    private Ratios() {}

    /** One scalar tensor per value (float32). */
    public static Tensor[] scalars(Backend be, double[] values) {
        Tensor[] out = new Tensor[values.length];
        for (int k = 0; k < values.length; k++) out[k] = be.fromHost(new float[] {(float) values[k]}, Shape.scalar());
        return out;
    }

    /** The ratio of each of an interval's slots: a single (tied) ratio serves them all. */
    public static Tensor[] perSlot(Tensor[] ratios, int slots) {
        Tensor[] out = new Tensor[slots];
        for (int k = 0; k < slots; k++) out[k] = ratios[ratios.length == 1 ? 0 : k];
        return out;
    }

    /** The time t for every sample of a batch, [batch]. */
    public static Tensor times(Backend be, int batch, double t) {
        float[] v = new float[batch];
        java.util.Arrays.fill(v, (float) t);
        return be.fromHost(v, Shape.of(batch));
    }
}
