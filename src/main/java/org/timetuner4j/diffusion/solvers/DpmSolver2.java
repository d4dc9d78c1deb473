package org.timetuner4j.diffusion.solvers;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * Singlestep DPM-Solver-2, noise prediction, the "dpmsolver" variant (spec §4.4).
 * A step s → t with h = λ_t − λ_s and an inner point s1 = λ⁻¹(λ_s + r1·h):
 * u = (α_s1/α_s)x − σ_s1(e^{r1·h} − 1)ε_s, then
 * x_t = (α_t/α_s)x − σ_t(e^h − 1)ε_s − (σ_t/(2·r1))(e^h − 1)(ε_s1 − ε_s).
 * As in the official solver the inner point comes from the trajectory (spec §3.3): on
 * {@code logsnr} it is the logSNR midpoint (r1 = ½); on the other trajectories the outer times
 * are every other point of an NFE-interval grid and s1 is the grid point between them.
 * An odd NFE ends with one first-order step (= DDIM). Slot 1 is evaluated at r·s, slot 2 at
 * r'·s1 (r' = r when the ratios are tied); s1 is always nominal.
 */
public final class DpmSolver2 implements Solver {
    /** r1 on the logSNR trajectory. */
    static final double MIDPOINT = 0.5;

    @Override public String name() { return "dpm-solver-2"; }

    @Override public String nfeRule() {
        return "two calls per step: NFE/2 steps (an odd NFE adds one first-order step); with the logsnr "
                + "trajectory the outer grid is logSNR-uniform, otherwise every other point of an NFE-step grid, "
                + "the inner point being the grid point between";
    }

    @Override public SolverPlan plan(int nfe, Trajectory trajectory, NoiseSchedule schedule) {
        Steps.requirePositive(nfe);
        if (trajectory == Trajectory.LOGSNR) {
            int k = nfe / 2 + nfe % 2;
            int[] slots = new int[k];
            java.util.Arrays.fill(slots, 2);
            if (nfe % 2 == 1) slots[k - 1] = 1;
            double[] t = trajectory.times(schedule, k);
            SolverPlan.Inner[] inner = new SolverPlan.Inner[k];
            for (int i = 0; i < k; i++)
                if (slots[i] == 2) inner[i] = new SolverPlan.Inner(midpoint(schedule, t[i], t[i + 1]), MIDPOINT);
            return new SolverPlan(t, slots, inner);
        }
        double[] fine = trajectory.times(schedule, nfe);
        int m = fine.length - 1;  // the official grid may have more than nfe intervals
        int k = m / 2 + m % 2;
        int[] slots = new int[k];
        double[] t = new double[k + 1];
        SolverPlan.Inner[] inner = new SolverPlan.Inner[k];
        int pos = 0;
        for (int i = 0; i < k; i++) {
            t[i] = fine[pos];
            slots[i] = (i == k - 1 && m % 2 == 1) ? 1 : 2;
            if (slots[i] == 2) inner[i] = gridPoint(schedule, fine[pos], fine[pos + 1], fine[pos + 2]);
            pos += slots[i];
        }
        t[k] = fine[m];
        return new SolverPlan(t, slots, inner);
    }

    /** The logSNR midpoint of a step from s to t. */
    static double midpoint(NoiseSchedule sch, double s, double t) {
        double ls = sch.lambda(s), h = sch.lambda(t) - ls;
        return sch.inverseLambda(ls + MIDPOINT * h);
    }

    /** The grid point s1 between s and t as an inner point. */
    private static SolverPlan.Inner gridPoint(NoiseSchedule sch, double s, double s1, double t) {
        double ls = sch.lambda(s);
        return new SolverPlan.Inner(s1, (sch.lambda(s1) - ls) / (sch.lambda(t) - ls));
    }

    @Override public Stepper stepper(NoisePredictor model, SolverPlan plan, NoiseSource noise, long firstSample) {
        NoiseSchedule sch = model.schedule();
        return (i, x, ratios) -> {
            try (Scope scope = Scope.open()) {
                double s = plan.time(i), t = plan.time(i + 1);
                double h = sch.lambda(t) - sch.lambda(s);
                double ls = sch.logAlpha(s), lt = sch.logAlpha(t);
                Tensor epsS = Steps.epsAt(model, x, s, ratios == null ? null : ratios[0]);
                double phi = Math.expm1(h);
                if (plan.slots(i) == 1) {
                    return scope.keep(Ops.axpby((float) Math.exp(lt - ls), x, (float) (-sch.sigma(t) * phi), epsS));
                }
                SolverPlan.Inner inner = plan.inner(i);
                double s1 = inner.time(), r1 = inner.fraction();
                double l1 = sch.logAlpha(s1);
                Tensor u = Ops.axpby((float) Math.exp(l1 - ls), x, (float) (-sch.sigma(s1) * Math.expm1(r1 * h)), epsS);
                Tensor eps1 = Steps.epsAt(model, u, s1, ratios == null ? null : ratios[ratios.length > 1 ? 1 : 0]);
                double st = sch.sigma(t);
                // x_t = e^{lt−ls}x − σ_t φ ε_s − (σ_t/(2 r1)) φ (ε_1 − ε_s)
                Tensor lin = Ops.axpby((float) Math.exp(lt - ls), x, (float) (-st * phi + st / (2 * r1) * phi), epsS);
                return scope.keep(Ops.add(lin, Ops.scale(eps1, (float) (-st / (2 * r1) * phi))));
            }
        };
    }
}
