package org.timetuner4j.diffusion.solvers;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * DDIM with noise level η, exactly TimeTuner's step (spec §4.1): one network call at the tuned
 * time r·t; α, σ and the noise level at the nominal times:
 * x_s = (a_s/a_t)·x + (√(1 − a_s² − ς²) − a_s σ_t/a_t)·ε̂ + ς·z,
 * ς = η·√((1 − a_s²)/(1 − a_t²))·√(1 − a_t²/a_s²). η = 1 is ancestral DDPM (posterior variance).
 */
public final class Ddim implements Solver {
    private final double eta;
    private final String name;

    public Ddim(double eta) {
        this(eta, "ddim");
    }

    private Ddim(double eta, String name) {
        if (!(eta >= 0)) throw new IllegalArgumentException("--eta must be >= 0, got " + eta);
        this.eta = eta;
        this.name = name;
    }

    /** Ancestral DDPM: DDIM with η = 1. */
    public static Ddim ddpm() { return new Ddim(1.0, "ddpm"); }

    public double eta() { return eta; }

    @Override public String name() { return name; }

    @Override public String nfeRule() { return "one network call per step: steps = NFE"; }

    @Override public SolverPlan plan(int nfe, Trajectory trajectory, NoiseSchedule schedule) {
        return Steps.oneCallPerStep(nfe, trajectory, schedule);
    }

    /** The coefficients (x, ε̂, z) of one step from t to s. */
    static double[] coefficients(NoiseSchedule sch, double t, double s, double eta) {
        double at = sch.alpha(t), as = sch.alpha(s);
        double st2 = -Math.expm1(2 * sch.logAlpha(t)), ss2 = -Math.expm1(2 * sch.logAlpha(s));
        double varsigma = eta == 0 ? 0 : eta * Math.sqrt(ss2 / st2) * Math.sqrt(Math.max(0, 1 - at * at / (as * as)));
        double ce = Math.sqrt(Math.max(0, ss2 - varsigma * varsigma)) - as * Math.sqrt(st2) / at;
        return new double[] {as / at, ce, varsigma};
    }

    @Override public Stepper stepper(NoisePredictor model, SolverPlan plan, NoiseSource noise, long firstSample) {
        NoiseSchedule sch = model.schedule();
        return (i, x, ratios) -> {
            try (Scope scope = Scope.open()) {
                double t = plan.time(i), s = plan.time(i + 1);
                Tensor eps = Steps.epsAt(model, x, t, ratios == null ? null : ratios[0]);
                double[] c = coefficients(sch, t, s, eta);
                Tensor out = Ops.axpby((float) c[0], x, (float) c[1], eps);
                if (c[2] != 0) {
                    Tensor z = noise.normal(x.backend(), x.shape(), firstSample, i + 1);
                    out = Ops.add(out, Ops.scale(z, (float) c[2]));
                }
                return scope.keep(out);
            }
        };
    }
}
