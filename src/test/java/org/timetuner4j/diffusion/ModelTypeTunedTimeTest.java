package org.timetuner4j.diffusion;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.diffusion.solvers.Stepper;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

/**
 * Which times a tuned step of a non-noise model uses, written out by hand: the network sees
 * t_in = (τ − 1/N)·1000 with τ = fl32(fl32(t)·fl32(r)); its output becomes ε with α(τ), σ(τ);
 * the solver then uses nominal times only — DDIM's coefficients, and DPM-Solver++'s data
 * prediction D = (x − σ(t)·ε)/α(t).
 */
class ModelTypeTunedTimeTest {
    static final CpuBackend BE = CpuBackend.INSTANCE;
    static final NoiseSchedule SCH = DiscreteSchedule.ddpm();
    static final double T = 0.602, S = 0.502, R = 1.13;

    /** out = 0.5·x + 0.001·t_in: depends on the network's time input. */
    private static final class Linear implements Network {
        @Override public Tensor forward(Tensor x, Tensor tIn, int[] labels) {
            return Ops.add(Ops.scale(x, 0.5f), Ops.reshape(Ops.scale(tIn, 0.001f), Shape.of(tIn.dim(0), 1, 1, 1)));
        }
        @Override public int numClasses() { return 0; }
        @Override public int[] sampleShape() { return new int[] {1, 2, 2}; }

        @Override public Backend backend() { return CpuBackend.INSTANCE; }
    }

    private static double eps(ModelType type, double x, double tau) {
        double tIn = (float) ((float) tau * 1000f - 1000.0 / 1000);
        double out = 0.5 * x + 0.001 * tIn;
        double a = SCH.alpha(tau), s = SCH.sigma(tau);
        return switch (type) {
            case NOISE -> out;
            case X_START -> (x - a * out) / s;
            case V -> a * out + s * x;
            case SCORE -> -s * out;
        };
    }

    private static float[] step(String solver, ModelType type, float[] x) {
        ModelWrapper model = new ModelWrapper(new Linear(), SCH, type);
        SolverPlan plan = new SolverPlan(new double[] {T, S}, new int[] {1});
        try (Scope scope = Scope.open(); Stepper st = Solvers.byName(solver, 0).stepper(model, plan, new NoiseSource(1), 0)) {
            Tensor xt = BE.fromHost(x, Shape.of(1, 1, 2, 2));
            return st.step(0, xt, new Tensor[] {BE.fromHost(new float[] {(float) R}, Shape.scalar())}).toArray();
        }
    }

    @ParameterizedTest
    @EnumSource(ModelType.class)
    void theConversionUsesTheTunedTimeAndTheSolverTheNominalOnes(ModelType type) {
        float[] x = {0.3f, -1.2f, 0.8f, 2.0f};
        double tau = (float) ((float) T * (float) R);
        double at = SCH.alpha(T), st = SCH.sigma(T), as = SCH.alpha(S), ss = SCH.sigma(S);
        double h = SCH.lambda(S) - SCH.lambda(T);
        float[] ddim = new float[4], dpmpp = new float[4];
        for (int i = 0; i < 4; i++) {
            double e = eps(type, x[i], tau);
            ddim[i] = (float) (as / at * x[i] + (ss - as * st / at) * e);
            double d = (x[i] - st * e) / at;
            dpmpp[i] = (float) (ss / st * x[i] - as * Math.expm1(-h) * d);
        }
        Check.maxRelative(type.id() + " ddim", step("ddim", type, x), ddim, 2e-6);
        Check.maxRelative(type.id() + " dpm-solver++2m", step("dpm-solver++2m", type, x), dpmpp, 2e-6);
    }
}
