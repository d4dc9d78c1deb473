package org.timetuner4j.diffusion.solvers;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * Multistep DPM-Solver++(2M), data prediction, "dpmsolver" type (spec §4.5). The slot of
 * interval i is m_i = D(x_i, r_i·t_i) = (x_i − σ_{t_i}·ε̂)/α_{t_i} (conversion at the nominal t_i),
 * reused as history by interval i+1. The first step is first order; with fewer than 10 steps
 * the last one is too (lower_order_final).
 */
public final class DpmSolverPP2M implements Solver {
    @Override public String name() { return "dpm-solver++2m"; }

    @Override public boolean isMultistep() { return true; }

    @Override public String nfeRule() { return "one call per step: steps = NFE (first step, and the last when NFE < 10, first order)"; }

    @Override public SolverPlan plan(int nfe, Trajectory trajectory, NoiseSchedule schedule) {
        return Steps.oneCallPerStep(nfe, trajectory, schedule);
    }

    /** The order of step i of K. */
    static int order(int i, int k) {
        int o = i == 0 ? 1 : 2;
        if (k < 10) o = Math.min(o, k - i);
        return o;
    }

    /** The data prediction D(x, r·t) with the conversion at nominal t. */
    static Tensor dataPrediction(NoisePredictor model, Tensor x, double t, Tensor ratio) {
        NoiseSchedule sch = model.schedule();
        Tensor eps = Steps.epsAt(model, x, t, ratio);
        double a = sch.alpha(t);
        return Ops.axpby((float) (1 / a), x, (float) (-sch.sigma(t) / a), eps);
    }

    @Override public Stepper stepper(NoisePredictor model, SolverPlan plan, NoiseSource noise, long firstSample) {
        NoiseSchedule sch = model.schedule();
        int k = plan.intervals();
        return new Stepper() {
            private Tensor previous;  // m_{i−1}, owned

            @Override public Tensor step(int i, Tensor x, Tensor[] ratios) {
                try (Scope scope = Scope.open()) {
                    double ti = plan.time(i), tn = plan.time(i + 1);
                    Tensor m = dataPrediction(model, x, ti, ratios == null ? null : ratios[0]);
                    double h = sch.lambda(tn) - sch.lambda(ti);
                    double phi = Math.expm1(-h);
                    double an = sch.alpha(tn), ratioSigma = Math.exp(Math.log(sch.sigma(tn)) - Math.log(sch.sigma(ti)));
                    Tensor out;
                    if (order(i, k) == 1 || previous == null) {
                        out = Ops.axpby((float) ratioSigma, x, (float) (-an * phi), m);
                    } else {
                        double h0 = sch.lambda(ti) - sch.lambda(plan.time(i - 1));
                        double r0 = h0 / h;
                        // x' = (σn/σi)x − αn φ m − ½ αn φ (m − m_prev)/r0
                        Tensor lin = Ops.axpby((float) ratioSigma, x, (float) (-an * phi - 0.5 * an * phi / r0), m);
                        out = Ops.add(lin, Ops.scale(previous, (float) (0.5 * an * phi / r0)));
                    }
                    Tensor keep = scope.keep(out);
                    Tensor newPrev = Scope.detach(m);
                    if (previous != null) previous.close();
                    previous = newPrev;
                    return keep;
                }
            }

            @Override public void close() {
                if (previous != null) previous.close();
                previous = null;
            }
        };
    }
}
