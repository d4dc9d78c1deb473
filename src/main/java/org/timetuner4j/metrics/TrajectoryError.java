package org.timetuner4j.metrics;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.Arrays;

/**
 * How far a few-step run strays from the probability-flow ODE: after each step i (the state at
 * t_{i+1}) the L2 distance ‖x_sampler − x_ODE‖ of every sample (root of the sum of squares over
 * all pixels, so it grows with the image size: √(C·H·W) times a per-pixel RMS), averaged over
 * the samples. Both runs start from the same x_T at the sampler's t_0; the ODE solution is a
 * {@link ReferenceFlow} solved once for every setting that starts there.
 */
public final class TrajectoryError {
    /** The error after each step: times[i] = t_{i+1}, error[i] its mean over the samples. */
    public record Result(double[] times, double[] error) {
        public double last() { return error[error.length - 1]; }

        public double meanOverSteps() { return Arrays.stream(error).average().orElse(Double.NaN); }
    }

    private TrajectoryError() {}

    /** The nominal times the sampler's states are compared at, t_1 … t_K. */
    public static double[] comparedTimes(Sampler sampler) {
        double[] t = sampler.plan().times();
        return Arrays.copyOfRange(t, 1, t.length);
    }

    /**
     * Runs {@code sampler} from x_T ({@code count} samples, row-major) in batches and compares
     * each state with {@code reference}, which must have been solved from the same x_T at the
     * sampler's start time to {@link #comparedTimes}. Stochastic solvers draw their noise from
     * {@code seed} as {@link Sampler#sample} does.
     */
    public static Result measure(Sampler sampler, Backend backend, float[] xT, int count, int batch, long seed,
                                 ReferenceFlow.Solution reference, Sampler.Progress progress) {
        SolverPlan plan = sampler.plan();
        if (!ReferenceFlow.same(reference.start(), plan.time(0)))
            throw new IllegalArgumentException("the reference starts at t = " + reference.start() + ", the sampler at " + plan.time(0));
        int[] shape = sampler.model().sampleShape();
        int d = shape[0] * shape[1] * shape[2];
        int k = plan.intervals();
        double[] times = comparedTimes(sampler);
        float[][] exact = new float[k][];
        for (int i = 0; i < k; i++) exact[i] = reference.at(times[i]);
        double[] sum = new double[k];
        NoiseSource noise = new NoiseSource(seed);
        for (int b0 = 0, bi = 0; b0 < count; b0 += batch, bi++) {
            int n = Math.min(batch, count - b0);
            int first = b0;
            try (Scope scope = Scope.open()) {
                Tensor x = backend.fromHost(Arrays.copyOfRange(xT, b0 * d, (b0 + n) * d), Shape.of(n, shape[0], shape[1], shape[2]));
                sampler.sampleBatch(x, noise, b0, progress, bi, (i, state) -> {
                    float[] s = state.toArray();
                    for (int r = 0; r < n; r++) sum[i] += distance(s, r * d, exact[i], (first + r) * d, d);
                });
            }
        }
        double[] error = new double[k];
        for (int i = 0; i < k; i++) error[i] = sum[i] / count;
        return new Result(times, error);
    }

    /** ‖a[ia..ia+d) − b[ib..ib+d)‖₂ in double precision. */
    static double distance(float[] a, int ia, float[] b, int ib, int d) {
        double s = 0;
        for (int j = 0; j < d; j++) {
            double v = (double) a[ia + j] - b[ib + j];
            s += v * v;
        }
        return Math.sqrt(s);
    }
}
