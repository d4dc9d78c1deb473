package org.timetuner4j.diffusion.solvers;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * EDM's deterministic Heun sampler in VP coordinates (spec §4.7, S_churn = 0): with σ̃ = σ/α and
 * Δ = σ̃_{i+1} − σ̃_i, d1 = ε(x_i, r·t_i), x' = α_{i+1}(x_i/α_i + Δ·d1),
 * d2 = ε(x', r'·t_{i+1}), x_{i+1} = α_{i+1}(x_i/α_i + (Δ/2)(d1 + d2)). An odd NFE ends with an
 * Euler step (one call), like EDM's final step.
 */
public final class Heun implements Solver {
    @Override public String name() { return "heun"; }

    @Override public String nfeRule() { return "two calls per step: ceil(NFE/2) steps (an odd NFE ends with one Euler step)"; }

    @Override public SolverPlan plan(int nfe, Trajectory trajectory, NoiseSchedule schedule) {
        Steps.requirePositive(nfe);
        int k = nfe / 2 + nfe % 2;
        double[] t = trajectory.times(schedule, k);
        int m = t.length - 1;
        int[] slots = new int[m];
        java.util.Arrays.fill(slots, 2);
        if (nfe % 2 == 1 && m == k) slots[m - 1] = 1;
        return new SolverPlan(t, slots);
    }

    @Override public Stepper stepper(NoisePredictor model, SolverPlan plan, NoiseSource noise, long firstSample) {
        NoiseSchedule sch = model.schedule();
        return (i, x, ratios) -> {
            try (Scope scope = Scope.open()) {
                double ti = plan.time(i), tn = plan.time(i + 1);
                double ai = sch.alpha(ti), an = sch.alpha(tn);
                double delta = sch.sigma(tn) / an - sch.sigma(ti) / ai;
                Tensor d1 = Steps.epsAt(model, x, ti, ratios == null ? null : ratios[0]);
                // x' = α_n (x/α_i + Δ d1)
                Tensor euler = Ops.axpby((float) (an / ai), x, (float) (an * delta), d1);
                if (plan.slots(i) == 1) return scope.keep(euler);
                Tensor d2 = Steps.epsAt(model, euler, tn, ratios == null ? null : ratios[ratios.length > 1 ? 1 : 0]);
                Tensor half = Ops.axpby((float) (an / ai), x, (float) (an * delta / 2), d1);
                return scope.keep(Ops.add(half, Ops.scale(d2, (float) (an * delta / 2))));
            }
        };
    }
}
