package org.timetuner4j.tuner;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.DiscreteSchedule;
import org.timetuner4j.diffusion.ModelType;
import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.UNetNetwork;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dLoss/dr from the tape against central finite differences of the loss.
 * <ul>
 * <li>On the Gaussian analytic model (smooth in t, strongly time-dependent) the check is tight.</li>
 * <li>On a small random UNet the network sees t_in ≈ 1000·t·r, so the loss oscillates in r on a
 * scale of ~1e-3 and float32 rounding bounds how small a step can be: those cases use h = 1e-4 and
 * a 2% gate plus the rounding noise the stencil amplifies (four ulp of the loss per evaluation). The exact check
 * of the UNet chain is {@link TunerPyTorchFixtureTest} (PyTorch autograd, 1e-3).</li>
 * </ul>
 */
class TunerGradientTest {
    private final CpuBackend be = CpuBackend.INSTANCE;

    @ParameterizedTest
    @CsvSource({
            "gaussian, ddim, uniform, 10, PARALLEL, 3, 1",
            "gaussian, ddim, quadratic, 10, SEQUENTIAL, 4, 1",
            "gaussian, dpm-solver-2, logsnr, 8, PARALLEL, 2, 2",
            "gaussian, dpm-solver-2, logsnr, 8, SEQUENTIAL, 2, 1",
            "gaussian, heun, edm, 8, PARALLEL, 2, 2",
            "gaussian, dpm-solver++2m, logsnr, 8, PARALLEL, 5, 1",
            "gaussian, dpm-solver++2m, logsnr, 8, SEQUENTIAL, 4, 1",
            "unet, ddim, uniform, 6, PARALLEL, 1, 1",
            "unet, heun, uniform, 8, PARALLEL, 1, 2",
            "unet, dpm-solver++2m, logsnr, 8, PARALLEL, 3, 1"})
    void tapeGradientEqualsFiniteDifferences(String net, String solverName, String traj, int nfe, TunerObjective.Mode mode,
                                             int interval, int ratios) {
        boolean unetCase = net.equals("unet");
        org.timetuner4j.diffusion.NoisePredictor model;
        if (unetCase) {
            UNet unet = new UNet(be, new UNetConfig(32, 1, new int[] {1, 2}, 1, new int[] {4}, 0, 1, 8, true));
            unet.initialize(5);
            unet.train(false);
            model = new ModelWrapper(new UNetNetwork(unet), DiscreteSchedule.ddpm(), ModelType.NOISE);
        } else {
            model = org.timetuner4j.diffusion.GaussianModel.parse("gaussian:mean=0.3,std=0.4,shape=1x8x8");
        }
        Solver solver = Solvers.byName(solverName, 0);
        SolverPlan plan = solver.plan(nfe, Trajectory.of(traj), model.schedule());
        TunerObjective obj = new TunerObjective(model, solver, plan, mode, be);
        double[][] previous = new double[plan.intervals()][];
        for (int j = 0; j < previous.length; j++) previous[j] = new double[] {(float) (1 + 0.03 * Math.sin(j + 1))};
        double[] r = new double[ratios];
        for (int k = 0; k < ratios; k++) r[k] = (float) (1.04 - 0.05 * k);
        try (Scope scope = Scope.open()) {
            Tensor x0 = be.affine(be.randn(Shape.of(2, 1, 8, 8), 8, 0), 0.5f, 0f);
            Tensor z = be.randn(Shape.of(2, 1, 8, 8), 9, 0);
            NoiseSource noise = new NoiseSource(1);
            TunerObjective.Result res = obj.evaluate(interval, x0, z, r, previous, noise, 0);
            for (int k = 0; k < ratios; k++) {
                double h = unetCase ? 1e-4 : 1e-3;
                double[] f = new double[4];
                double[] offs = {2 * h, h, -h, -2 * h};
                for (int q = 0; q < 4; q++) {
                    double[] rr = r.clone();
                    rr[k] = (float) (r[k] + offs[q]);
                    f[q] = obj.evaluate(interval, x0, z, rr, previous, noise, 0).loss();
                }
                double fd = (-f[0] + 8 * f[1] - 8 * f[2] + f[3]) / (12 * h);
                double rel = Math.abs(fd - res.gradient()[k]) / Math.max(Math.abs(fd), 1e-3 * Math.abs(res.loss()));
                // Each float32 loss carries a few ulp of rounding that is not smooth in r; the
                // stencil multiplies it by (1 + 8 + 8 + 1)/(12h). Four ulp per evaluation is allowed.
                double rounding = 4 * 18 * Math.ulp((float) res.loss()) / (12 * h);
                double gate = (unetCase ? 2e-2 : 2e-3) * Math.abs(fd) + (unetCase ? rounding : 0);
                System.out.printf("%-8s %-15s %-8s %-10s interval %d ratio %d: loss %.5g  tape dL/dr %.6g  finite difference %.6g  rel %.1e"
                        + "  (gate %.1e abs)%n", net, solverName, traj, mode, interval, k, res.loss(), res.gradient()[k], fd, rel, gate);
                assertTrue(unetCase ? Math.abs(fd - res.gradient()[k]) <= gate : rel < 2e-3,
                        "gradient mismatch: tape " + res.gradient()[k] + " vs FD " + fd);
            }
        }
    }
}
