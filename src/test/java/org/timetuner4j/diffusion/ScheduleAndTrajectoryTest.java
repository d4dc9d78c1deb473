package org.timetuner4j.diffusion;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Schedules and trajectories against the reference numbers of the solver spec (§3.5, float64). */
class ScheduleAndTrajectoryTest {
    private final NoiseSchedule ddpm = DiscreteSchedule.ddpm();

    private static void close(double expected, double actual, double rel, String what) {
        assertEquals(expected, actual, Math.abs(expected) * rel + 1e-15, what);
    }

    @Test void discreteDdpmScheduleMatchesReferenceTable() {
        double[][] rows = {  // t, log α, α, σ, λ
                {0.0005, -2.0020722e-05, 0.99997998, 6.3277676e-03, 5.0627877},
                {0.001, -5.0002500e-05, 0.99995000, 1.0000000e-02, 4.6051202},
                {0.002, -1.0996606e-04, 0.99989004, 1.4829293e-02, 4.2110408},
                {0.5, -1.2717729, 0.28033416, 0.95990247, -1.2308494},
                {0.802, -3.2567374, 0.038513848, 0.99925807, -3.2559952},
                {0.902, -4.1171980, 0.016290095, 0.99986731, -4.1170653},
                {1.0, -5.0588568, 0.0063528181, 0.99997982, -5.0588366},
                {1.05, -5.5639245, 0.0038337017, 0.99999265, -5.5639171}};
        for (double[] r : rows) {
            close(r[1], ddpm.logAlpha(r[0]), 1e-7, "log alpha at " + r[0]);
            close(r[2], ddpm.alpha(r[0]), 1e-7, "alpha at " + r[0]);
            close(r[3], ddpm.sigma(r[0]), 1e-7, "sigma at " + r[0]);
            close(r[4], ddpm.lambda(r[0]), 1e-7, "lambda at " + r[0]);
        }
        close(0.5, ddpm.inverseLambda(ddpm.lambda(0.5)), 1e-12, "round trip 0.5");
        close(0.9023, ddpm.inverseLambda(ddpm.lambda(0.9023)), 1e-12, "round trip 0.9023");
    }

    @Test void continuousSchedulesMatchReferenceNumbers() {
        NoiseSchedule lin = LinearSchedule.vpsde();
        close(0.0065715865, lin.alpha(1), 1e-7, "linear alpha(1)");
        close(-5.0249784, lin.lambda(1), 1e-7, "linear lambda(1)");
        close(0.3, lin.inverseLambda(lin.lambda(0.3)), 1e-10, "linear round trip");
        NoiseSchedule cos = new CosineSchedule(1000);
        close(0.70274006, cos.alpha(0.5), 1e-7, "cosine alpha(0.5)");
        close(-0.012313441, cos.lambda(0.5), 1e-6, "cosine lambda(0.5)");
        close(-4.7776405, cos.lambda(0.9946), 1e-7, "cosine lambda(T)");
        close(0.4, cos.inverseLambda(cos.lambda(0.4)), 1e-10, "cosine round trip");
    }

    @Test void slopesAreDerivatives() {
        for (NoiseSchedule s : new NoiseSchedule[] {ddpm, LinearSchedule.vpsde(), new CosineSchedule(1000)})
            for (double t : new double[] {0.1234, 0.5005, 0.9003}) {  // off the discrete keypoints
                double h = 1e-7;
                close((s.logAlpha(t + h) - s.logAlpha(t - h)) / (2 * h), s.logAlphaSlope(t), 1e-5, "d log alpha");
                close((s.sigma(t + h) - s.sigma(t - h)) / (2 * h), s.sigmaSlope(t), 1e-5, "d sigma");
            }
    }

    @Test void officialTrajectoryIsTimeTunersGrid() {
        double[] t = Trajectory.OFFICIAL.times(ddpm, 10);
        double[] expected = {0.902, 0.802, 0.702, 0.602, 0.502, 0.402, 0.302, 0.202, 0.102, 0.002, 0.001};
        assertArrayEquals(expected, t, 1e-12);
        assertEquals(901, ddpm.modelInputTime(t[0]), 1e-9);
        assertEquals(31, Trajectory.OFFICIAL.times(ddpm, 30).length - 1, "30 steps give 31 intervals, like the reference");
        assertEquals(31, Trajectory.officialIntervals(1000, 30));
    }

    @Test void dpmSolverGridsMatchReferenceNumbers() {
        double[] quad = {1, 0.81570210, 0.65015929, 0.50337157, 0.37533893, 0.26606139, 0.17553893, 0.10377157,
                0.050759289, 0.016502100, 0.001};
        double[] logsnr = {1, 0.89929395, 0.78581651, 0.65358995, 0.49311435, 0.30330785, 0.13904024, 0.052723004,
                0.017803368, 0.0049524599, 0.001};
        double[] q = Trajectory.QUADRATIC.times(ddpm, 10), l = Trajectory.LOGSNR.times(ddpm, 10);
        double[] u = Trajectory.UNIFORM.times(ddpm, 10);
        for (int i = 0; i <= 10; i++) {
            close(quad[i], q[i], 1e-7, "quadratic " + i);
            close(logsnr[i], l[i], 1e-7, "logsnr " + i);
        }
        close(0.9001, u[1], 1e-12, "uniform 1");
        close(0.1009, u[9], 1e-12, "uniform 9");
    }

    @Test void edmTrajectoryMatchesReferenceNumbers() {
        double[] vp = {0.93061806, 0.86603200, 0.78956610, 0.69602374, 0.57621648, 0.41546437, 0.21828769,
                0.072388992, 0.014837899, 0.001};
        double[] t = Trajectory.EDM.times(ddpm, 9);  // 10 noise levels
        for (int i = 0; i < vp.length; i++) close(vp[i], t[i], 2e-7, "edm " + i);
    }

    @Test void badNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Trajectory.of("linear"));
        assertThrows(IllegalArgumentException.class, () -> DiscreteSchedule.named("sigmoid", 1e-4, 0.02, 1000));
        assertThrows(IllegalArgumentException.class, () -> Trajectory.OFFICIAL.times(ddpm, 2000));
    }
}
