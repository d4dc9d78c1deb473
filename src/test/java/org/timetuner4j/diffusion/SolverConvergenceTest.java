package org.timetuner4j.diffusion;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.diffusion.solvers.Stepper;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every deterministic solver against the closed-form probability-flow ODE of Gaussian data: the
 * log-log slope of error vs NFE shows its order, and the second-order ones converge to 1e-4.
 */
class SolverConvergenceTest {
    private final CpuBackend be = CpuBackend.INSTANCE;

    /** Max |x_K − exact| after sampling from x at t_0 over the plan for this NFE. */
    static double error(GaussianModel model, Solver solver, Trajectory traj, int nfe, float[] x0) {
        SolverPlan plan = solver.plan(nfe, traj, model.schedule());
        try (Scope scope = Scope.open()) {
            Tensor x = CpuBackend.INSTANCE.fromHost(x0, Shape.of(4, 1, 4, 4));
            Stepper st = solver.stepper(model, plan, new NoiseSource(1), 0);
            for (int i = 0; i < plan.intervals(); i++) x = st.step(i, x, null);
            double[] xs = new double[x0.length];
            for (int i = 0; i < xs.length; i++) xs[i] = x0[i];
            double[] exact = model.exactFlow(xs, plan.time(0), plan.time(plan.intervals()));
            float[] got = x.toArray();
            double err = 0;
            for (int i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - exact[i]));
            return err;
        }
    }

    @ParameterizedTest
    @CsvSource({
            "ddim, 1, logsnr, 0.8, 1.25",
            "ddim, 1, uniform, 0.8, 1.25",
            "dpm-solver-2, 2, logsnr, 1.7, 2.6",
            "dpm-solver++2m, 2, logsnr, 1.7, 2.6",
            "heun, 2, edm, 1.7, 2.6",
            "heun, 2, uniform, 1.7, 2.6"})
    void orderOfConvergence(String name, int order, String trajectory, double lo, double hi) {
        GaussianModel model = GaussianModel.parse("gaussian:mean=0.5,std=0.3,shape=1x4x4,schedule=linear");
        Solver solver = Solvers.byName(name, 0);
        float[] x0 = be.randn(Shape.of(64), 3, 0).toArray();
        int[] nfes = {20, 40, 80, 160};
        double[] ln = new double[nfes.length], le = new double[nfes.length];
        for (int i = 0; i < nfes.length; i++) {
            double e = error(model, solver, Trajectory.of(trajectory), nfes[i], x0);
            ln[i] = Math.log(nfes[i]);
            le[i] = Math.log(e);
            System.out.printf("%-16s %-8s NFE %4d  error %.3e%n", name, trajectory, nfes[i], e);
        }
        double slope = -fitSlope(ln, le);
        System.out.printf("%-16s %-8s observed order %.2f%n", name, trajectory, slope);
        assertTrue(slope > lo && slope < hi, name + ": observed order " + slope + " outside (" + lo + ", " + hi + ")");
    }

    @ParameterizedTest
    @CsvSource({"dpm-solver-2, logsnr, 1000", "dpm-solver++2m, logsnr, 1000", "heun, edm, 1000", "heun, uniform, 1000"})
    void secondOrderSolversReachTheExactSolution(String name, String trajectory, int nfe) {
        for (String schedule : new String[] {"linear", "discrete"}) {
            GaussianModel model = GaussianModel.parse("gaussian:mean=0.5,std=0.3,shape=1x4x4,schedule=" + schedule);
            float[] x0 = be.randn(Shape.of(64), 4, 0).toArray();
            double e = error(model, Solvers.byName(name, 0), Trajectory.of(trajectory), nfe, x0);
            System.out.printf("%-16s %s NFE %d schedule %s: error %.2e%n", name, trajectory, nfe, schedule, e);
            assertTrue(e < 1e-4, name + " error " + e);
        }
    }

    static double fitSlope(double[] x, double[] y) {
        double mx = 0, my = 0;
        for (int i = 0; i < x.length; i++) { mx += x[i]; my += y[i]; }
        mx /= x.length; my /= y.length;
        double sxy = 0, sxx = 0;
        for (int i = 0; i < x.length; i++) { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx); }
        return sxy / sxx;
    }
}
