package org.timetuner4j.tuner;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.data.GaussianData;
import org.timetuner4j.diffusion.GaussianModel;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import org.timetuner4j.diffusion.solvers.SolverPlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On Gaussian data N(M, S²) with the exact noise predictor, DDIM's TimeTuner loss is a closed-form
 * function of r: everything is linear in x_t, so ε_t − ε_next = P(r)·x_t + Q(r) and
 * E[loss] = D·(P²(V + μ²) + 2PQμ + Q²) with x_t ~ N(μ, V) per pixel. The tuned ratio of every
 * interval must land on the minimiser of that function, found here by a direct search.
 */
class TimeTunerGaussianTest {
    static final double M = 0.5, S = 0.3;

    private static double c1(NoiseSchedule s, double u) {
        double a = s.alpha(u), sg = s.sigma(u);
        return sg / (a * a * S * S + sg * sg);
    }

    private static double c2(NoiseSchedule s, double u) {
        return c1(s, u) * s.alpha(u) * M;
    }

    /** Expected loss per pixel of interval (t → e) at ratio r, for x_t ~ N(mu, var). */
    static double expectedLoss(NoiseSchedule s, double t, double e, double r, double mu, double var) {
        double at = s.alpha(t), ae = s.alpha(e), st = s.sigma(t), se = s.sigma(e);
        double a = ae / at, c = se - ae * st / at;
        double tau = (float) ((float) t * (float) r);
        double p = c1(s, t) - c1(s, e) * (a + c * c1(s, tau));
        double q = -c2(s, t) + c1(s, e) * c * c2(s, tau) + c2(s, e);
        return p * p * (var + mu * mu) + 2 * p * q * mu + q * q;
    }

    static double argmin(NoiseSchedule s, double t, double e, double mu, double var) {
        double lo = 0.3, hi = 2.0;
        for (int round = 0; round < 4; round++) {
            double best = lo, bestV = Double.MAX_VALUE, step = (hi - lo) / 200;
            for (double r = lo; r <= hi; r += step) {
                double v = expectedLoss(s, t, e, r, mu, var);
                if (v < bestV) { bestV = v; best = r; }
            }
            lo = best - step;
            hi = best + step;
        }
        return (lo + hi) / 2;
    }

    @ParameterizedTest
    @EnumSource(TunerObjective.Mode.class)
    void tunedRatiosLandOnTheClosedFormMinimiser(TunerObjective.Mode mode) throws Exception {
        String spec = "gaussian:mean=0.5,std=0.3,shape=1x4x4";
        GaussianModel g = GaussianModel.parse(spec);
        TunerSettings settings = new TunerSettings(spec, null, spec, "ddim", 0, 6, "uniform", mode, false, 2e-3, 400, 512, 3);
        TimeTuner tuner = new TimeTuner(g, new GaussianData(g.data()), settings, CpuBackend.INSTANCE);
        TunedSchedule result = tuner.run(null, false, null);
        SolverPlan plan = tuner.plan();
        NoiseSchedule s = g.schedule();
        double mu, var;
        if (mode == TunerObjective.Mode.SEQUENTIAL) {
            double a1 = s.alpha(s.tMax()), s1 = s.sigma(s.tMax());
            mu = a1 * M;
            var = a1 * a1 * S * S + s1 * s1;
        } else {
            mu = var = Double.NaN;
        }
        int changed = 0;
        for (int i = 0; i + 1 < plan.intervals(); i++) {
            double t = plan.time(i), e = plan.time(i + 1);
            if (mode == TunerObjective.Mode.PARALLEL) {
                double at = s.alpha(t), st = s.sigma(t);
                mu = at * M;
                var = at * at * S * S + st * st;
            }
            double best = argmin(s, t, e, mu, var);
            double got = result.ratio(i, 0);
            System.out.printf("%s interval %d (t %.3f -> %.3f): tuned r %.4f, closed-form minimiser %.4f%n", mode, i, t, e, got, best);
            assertEquals(best, got, 2e-3, "interval " + i);
            if (Math.abs(best - 1) > 0.01) changed++;
            if (mode == TunerObjective.Mode.SEQUENTIAL) {
                // propagate x through the tuned step: x ← (A + C c1(τ)) x − C c2(τ)
                double at = s.alpha(t), ae = s.alpha(e), st = s.sigma(t), se = s.sigma(e);
                double a = ae / at, c = se - ae * st / at, tau = (float) ((float) t * (float) got);
                double lin = a + c * c1(s, tau), off = -c * c2(s, tau);
                mu = lin * mu + off;
                var = lin * lin * var;
            }
        }
        assertEquals(1.0, result.ratio(plan.intervals() - 1, 0), "the last interval keeps r = 1");
        assertTrue(changed >= 2, "the minimisers should differ from 1 somewhere, else the test proves little");
    }
}
