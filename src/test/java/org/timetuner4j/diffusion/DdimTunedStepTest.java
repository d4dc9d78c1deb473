package org.timetuner4j.diffusion;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.solvers.Ddim;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

/**
 * One DDIM step with a tuned ratio r ≠ 1 on the Gaussian model, against the formula written out
 * by hand: the network is evaluated at τ = r·t, everything else at the nominal t and s.
 */
class DdimTunedStepTest {
    private final CpuBackend be = CpuBackend.INSTANCE;

    private static double alpha(NoiseSchedule s, double t) { return s.alpha(t); }

    @Test void tunedRatioChangesOnlyTheNetworkTime() {
        for (double eta : new double[] {0.0, 0.7}) {
            GaussianModel g = GaussianModel.parse("gaussian:mean=0.2,std=0.6,shape=2x3x3");
            NoiseSchedule s = g.schedule();
            double t = 0.602, sEnd = 0.502, r = 1.13;
            SolverPlan plan = new SolverPlan(new double[] {t, sEnd}, new int[] {1});
            NoiseSource noise = new NoiseSource(99);
            try (Scope scope = Scope.open()) {
                float[] x = be.randn(Shape.of(2 * 18), 5, 0).toArray();
                Tensor xt = be.fromHost(x, Shape.of(2, 2, 3, 3));
                Tensor ratio = be.fromHost(new float[] {(float) r}, Shape.scalar());
                float[] got = new Ddim(eta).stepper(g, plan, noise, 0).step(0, xt, new Tensor[] {ratio}).toArray();
                float[] z = noise.normal(be, xt.shape(), 0, 1).toArray();

                // by hand, in double
                double tau = (float) ((float) t * (float) r);
                double aTau = alpha(s, tau), sTau = Math.sqrt(1 - aTau * aTau);
                double at = alpha(s, t), as = alpha(s, sEnd);
                double sigT = Math.sqrt(1 - at * at), sigS2 = 1 - as * as;
                double varsigma = eta * Math.sqrt(sigS2 / (1 - at * at)) * Math.sqrt(1 - at * at / (as * as));
                float[] expected = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    double eps = sTau * (x[i] - aTau * 0.2) / (aTau * aTau * 0.36 + sTau * sTau);
                    double x0 = (x[i] - sigT * eps) / at;
                    expected[i] = (float) (as * x0 + Math.sqrt(sigS2 - varsigma * varsigma) * eps + varsigma * z[i]);
                }
                Check.maxRelative("ddim step, r=1.13, eta=" + eta, got, expected, 2e-6);
            }
        }
    }
}
