package org.timetuner4j.diffusion;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Schedule coefficients of a time tensor [B], differentiable in t, shaped [B,1,1,1] for broadcasting. */
final class TimeCoefficients {
    private TimeCoefficients() {}

    static Tensor asColumn(Tensor v) {
        return Ops.reshape(v, Shape.of(v.dim(0), 1, 1, 1));
    }

    static Tensor alpha(NoiseSchedule s, Tensor t) {
        return asColumn(Ops.timeFunction(t, s::alpha, s::alphaSlope));
    }

    static Tensor sigma(NoiseSchedule s, Tensor t) {
        return asColumn(Ops.timeFunction(t, s::sigma, s::sigmaSlope));
    }

    /** The network's time input: (t − 1/N)·1000 for discrete schedules, t otherwise. */
    static Tensor modelInput(NoiseSchedule s, Tensor t) {
        return s.isDiscrete() ? Ops.affine(t, 1000f, (float) (-1000.0 / s.totalN())) : t;
    }
}
