package org.timetuner4j.tuner;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.Ratios;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Stepper;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * TimeTuner's loss for one interval and its gradient w.r.t. the interval's ratios (spec §5.2):
 * from x_{t_i} take one solver step to t_{i+1} with the network at r·t; the loss is the batch
 * mean of Σ_pixels (ε(x_{t_i}, t_i) − ε(x_{t_{i+1}}, t_{i+1}))², the first term a constant.
 */
public final class TunerObjective {
    public enum Mode { SEQUENTIAL, PARALLEL }

    /** Loss and dLoss/dr for each ratio of the interval. */
    public record Result(double loss, double[] gradient) {}

    private final NoisePredictor model;
    private final Solver solver;
    private final SolverPlan plan;
    private final Mode mode;
    private final Backend backend;

    public TunerObjective(NoisePredictor model, Solver solver, SolverPlan plan, Mode mode, Backend backend) {
        this.model = model;
        this.solver = solver;
        this.plan = plan;
        this.mode = mode;
        this.backend = backend;
    }

    /** x0 noised to time t: α_t x0 + σ_t z. */
    private Tensor noised(Tensor x0, Tensor z, double t) {
        NoiseSchedule s = model.schedule();
        return Ops.axpby((float) s.alpha(t), x0, (float) s.sigma(t), z);
    }

    /**
     * Loss and gradient for interval {@code i} with ratios {@code r} (one, or one per slot),
     * clean data x0 and noise z [B,C,H,W]. {@code previous} holds the tuned ratios of the earlier
     * intervals (sequential roll-out; multistep history in parallel mode).
     */
    public Result evaluate(int i, Tensor x0, Tensor z, double[] r, double[][] previous, NoiseSource stepNoise, long firstSample) {
        if (i < 0 || i >= plan.intervals() - 0) throw new IllegalArgumentException("interval " + i + " outside the plan");
        int b = x0.dim(0);
        NoiseSchedule sch = model.schedule();
        try (Scope scope = Scope.open(); Stepper stepper = solver.stepper(model, plan, stepNoise, firstSample)) {
            Tensor xt;
            if (mode == Mode.SEQUENTIAL) {
                Tensor x = noised(x0, z, sch.tMax());
                for (int j = 0; j < i; j++) {
                    Tensor next;
                    try (Scope step = Scope.open()) {
                        next = step.keep(stepper.step(j, x, Ratios.perSlot(Ratios.scalars(backend, previous[j]), plan.slots(j))));
                    }
                    Scope.detach(x).close();
                    x = next;
                }
                xt = x;
            } else {
                xt = noised(x0, z, plan.time(i));
                if (solver.isMultistep() && i > 0) {
                    // the history m_{i−1}: evaluated at x_{t_{i−1}} built from the same x0 and z
                    stepper.step(i - 1, noised(x0, z, plan.time(i - 1)), Ratios.perSlot(Ratios.scalars(backend, previous[i - 1]), plan.slots(i - 1)));
                }
            }
            Tensor epsT = model.predictNoise(xt, Ratios.times(backend, b, plan.time(i)));
            Tensor[] ratios = Ratios.scalars(backend, r);
            for (Tensor t : ratios) t.requiresGrad(true);
            try (Tape tape = Tape.record()) {
                Tensor xPrev = stepper.step(i, xt, Ratios.perSlot(ratios, plan.slots(i)));
                Tensor epsPrev = model.predictNoise(xPrev, Ratios.times(backend, b, plan.time(i + 1)));
                Tensor loss = Ops.scale(Ops.sumOfSquares(Ops.sub(epsT, epsPrev)), 1f / b);
                tape.backward(loss);
                double[] g = new double[r.length];
                for (int k = 0; k < r.length; k++) {
                    g[k] = ratios[k].grad() == null ? 0 : ratios[k].grad().item();
                    ratios[k].zeroGrad();
                }
                return new Result(loss.item(), g);
            }
        }
    }
}
