package org.timetuner4j.metrics;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.GaussianModel;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On Gaussian data the probability-flow ODE has a closed-form solution
 * ({@link GaussianModel#exactFlow}): the reference must match it far more closely than a
 * few-step sampler does, and the trajectory error measured against the reference must be the
 * one measured against the exact solution.
 */
class TrajectoryErrorTest {
    private static final Backend BE = CpuBackend.INSTANCE;
    private static final GaussianModel MODEL = GaussianModel.parse("gaussian:mean=0.3,std=0.5,shape=1x8x8");
    private static final int COUNT = 6;

    @Test void referenceMatchesTheExactFlowFarBelowFewStepErrors() {
        check(Sampler.builder(MODEL).solver("ddim").nfe(5).trajectory(Trajectory.OFFICIAL).build());
        check(Sampler.builder(MODEL).solver("dpm-solver-2").nfe(6).trajectory(Trajectory.LOGSNR).build());
    }

    private static void check(Sampler sampler) {
        float[] xT = initialStates();
        double start = sampler.plan().time(0);
        double[] times = TrajectoryError.comparedTimes(sampler);
        ReferenceFlow flow = new ReferenceFlow(MODEL, BE, ReferenceFlow.DEFAULT_STEPS);
        ReferenceFlow.Solution reference = flow.solve(xT, COUNT, 4, start, times, null);
        ReferenceFlow.Solution exact = exactSolution(xT, start, times);

        double referenceError = 0;
        for (double t : times) {
            double e = 0;
            for (int r = 0; r < COUNT; r++) e += TrajectoryError.distance(reference.at(t), r * 64, exact.at(t), r * 64, 64);
            referenceError = Math.max(referenceError, e / COUNT);
        }
        TrajectoryError.Result measured = TrajectoryError.measure(sampler, BE, xT, COUNT, 4, 0, reference, null);
        TrajectoryError.Result truth = TrajectoryError.measure(sampler, BE, xT, COUNT, 4, 0, exact, null);
        double smallest = Double.MAX_VALUE;
        for (double e : truth.error()) smallest = Math.min(smallest, e);
        System.out.printf("%s NFE %d: reference vs exact (worst step) %.3e; sampler error vs exact per step %s; vs reference %s%n",
                sampler.solver().name(), sampler.plan().nfe(), referenceError, fmt(truth.error()), fmt(measured.error()));
        // measured: ~2e-5 (float32 rounding over 1,000 steps) against few-step errors of 1e-2 (first step) to 2 (last)
        assertTrue(referenceError < 1e-2 * smallest, "the reference's own error " + referenceError + " is not far below the sampler's " + smallest);
        assertTrue(referenceError < 1e-4 * truth.last(), "the reference's own error " + referenceError + " against the final " + truth.last());
        for (int i = 0; i < times.length; i++) {
            assertTrue(Math.abs(measured.error()[i] - truth.error()[i]) <= referenceError + 1e-6 * truth.error()[i], "step " + i);
            assertEquals(truth.error()[i], measured.error()[i], 1e-3 * truth.error()[i], "step " + i);
        }
        assertEquals(truth.last(), measured.last(), 1e-3 * truth.last());
    }

    @Test void theGridReachesEveryRequestedTimeExactly() {
        ReferenceFlow flow = new ReferenceFlow(MODEL, BE, 50);
        double[] wanted = Trajectory.OFFICIAL.times(MODEL.schedule(), 10);
        double[] grid = flow.grid(wanted[0], java.util.Arrays.copyOfRange(wanted, 1, wanted.length));
        for (int i = 1; i < wanted.length; i++) {
            boolean found = false;
            for (double g : grid) found |= g == wanted[i];
            assertTrue(found, "t = " + wanted[i] + " is a grid node");
        }
        for (int i = 1; i < grid.length; i++) assertTrue(grid[i] < grid[i - 1], "descending");
        assertEquals(wanted[0], grid[0]);
        assertEquals(MODEL.schedule().tMin(), grid[grid.length - 1]);
    }

    private static float[] initialStates() {
        try (Scope s = Scope.open()) {
            return new NoiseSource(7).normal(BE, Shape.of(COUNT, 1, 8, 8), 0, 0).toArray();
        }
    }

    private static ReferenceFlow.Solution exactSolution(float[] xT, double start, double[] times) {
        double[] x = new double[xT.length];
        for (int i = 0; i < x.length; i++) x[i] = xT[i];
        float[][] states = new float[times.length][];
        for (int j = 0; j < times.length; j++) {
            double[] v = MODEL.exactFlow(x, start, times[j]);
            states[j] = new float[v.length];
            for (int i = 0; i < v.length; i++) states[j][i] = (float) v[i];
        }
        return new ReferenceFlow.Solution(start, times, states);
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (double e : v) b.append(String.format(java.util.Locale.ROOT, " %.4g", e));
        return b.append(" ]").toString();
    }
}
