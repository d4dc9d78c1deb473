package org.timetuner4j.diffusion.solvers;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.tensor.Tensor;

/** Shared pieces of the solvers. */
final class Steps {
    private Steps() {}

    /** ε_θ(x, r·t) for every sample: the tuned network call of a slot. */
    static Tensor epsAt(NoisePredictor model, Tensor x, double t, Tensor ratio) {
        Tensor times = Ratios.times(x.backend(), x.dim(0), t);
        Tensor tau = ratio == null ? times : Ops.mul(times, ratio);
        return model.predictNoise(x, tau);
    }

    /** A plan with one network call per interval: NFE intervals of the trajectory. */
    static SolverPlan oneCallPerStep(int nfe, org.timetuner4j.diffusion.Trajectory trajectory,
                                     org.timetuner4j.diffusion.NoiseSchedule schedule) {
        requirePositive(nfe);
        double[] t = trajectory.times(schedule, nfe);
        int[] slots = new int[t.length - 1];
        java.util.Arrays.fill(slots, 1);
        return new SolverPlan(t, slots);
    }

    /** The NFE check shared by all plans. */
    static void requirePositive(int nfe) {
        if (nfe < 1) throw new IllegalArgumentException("--nfe must be >= 1, got " + nfe);
    }
}
