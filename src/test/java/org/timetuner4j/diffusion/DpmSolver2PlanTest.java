package org.timetuner4j.diffusion;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.diffusion.sampling.TunedSchedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where DPM-Solver-2 puts its inner points (spec §3.3): on logsnr the logSNR midpoint; on the
 * other trajectories the middle point of the trajectory's own grid between two outer times,
 * which for uniform and quadratic has a closed form checked here. An odd NFE ends with one
 * first-order step, which has no inner point and takes one ratio.
 */
class DpmSolver2PlanTest {
    static final GaussianModel MODEL = GaussianModel.parse("gaussian:mean=0,std=1,shape=1x2x2");
    static final NoiseSchedule SCH = MODEL.schedule();
    static final Solver SOLVER = Solvers.byName("dpm-solver-2", 0);

    private static double fraction(double s, double s1, double t) {
        return (SCH.lambda(s1) - SCH.lambda(s)) / (SCH.lambda(t) - SCH.lambda(s));
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 10})
    void uniformInnerPointsAreTheTimeMidpoints(int nfe) {
        SolverPlan p = SOLVER.plan(nfe, Trajectory.UNIFORM, SCH);
        assertEquals(nfe, p.nfe());
        double maxOff = 0;
        for (int i = 0; i < p.intervals(); i++) {
            double s = p.time(i), t = p.time(i + 1);
            if (p.slots(i) == 1) {
                assertEquals(p.intervals() - 1, i, "only the last step is first order");
                int last = i;
                assertThrows(IllegalStateException.class, () -> p.inner(last));
                continue;
            }
            SolverPlan.Inner in = p.inner(i);
            assertEquals((s + t) / 2, in.time(), 1e-12);
            assertEquals(fraction(s, in.time(), t), in.fraction(), 1e-12);
            maxOff = Math.max(maxOff, Math.abs(in.fraction() - 0.5));
        }
        assertTrue(maxOff > 0.05, "the uniform grid's inner points are not logSNR midpoints (max |r1 - 1/2| " + maxOff + ")");
        assertEquals(nfe % 2 == 1 ? 1 : 2, p.slots(p.intervals() - 1));
    }

    @Test void quadraticInnerPointsAreTheMidpointsOfSqrtT() {
        SolverPlan p = SOLVER.plan(10, Trajectory.QUADRATIC, SCH);
        for (int i = 0; i < p.intervals(); i++) {
            double s = p.time(i), t = p.time(i + 1);
            double mid = (Math.sqrt(s) + Math.sqrt(t)) / 2;
            assertEquals(mid * mid, p.inner(i).time(), 1e-12);
            assertEquals(fraction(s, mid * mid, t), p.inner(i).fraction(), 1e-12);
        }
    }

    @Test void logsnrInnerPointsAreExactLogSnrMidpoints() {
        SolverPlan p = SOLVER.plan(7, Trajectory.LOGSNR, SCH);
        assertArrayEquals(new int[] {2, 2, 2, 1}, p.slots());
        for (int i = 0; i < 3; i++) {
            double s = p.time(i), t = p.time(i + 1);
            assertEquals(0.5, p.inner(i).fraction(), 0.0);
            assertEquals(SCH.inverseLambda((SCH.lambda(s) + SCH.lambda(t)) / 2), p.inner(i).time(), 1e-12);
        }
    }

    @Test void officialGridWithMoreIntervalsThanNfeEndsWithAFirstOrderStep() {
        // N = 1000, NFE 30: 31 intervals of the official grid, so 15 two-call steps and one Euler step
        SolverPlan p = SOLVER.plan(30, Trajectory.OFFICIAL, SCH);
        double[] fine = Trajectory.OFFICIAL.times(SCH, 30);
        assertEquals(32, fine.length);
        assertEquals(16, p.intervals());
        assertEquals(31, p.nfe());
        for (int i = 0; i < 15; i++) {
            assertEquals(fine[2 * i], p.time(i), 0.0);
            assertEquals(fine[2 * i + 1], p.inner(i).time(), 0.0);
        }
        assertEquals(1, p.slots(15));
        assertEquals(fine[31], p.time(16), 0.0);
    }

    @Test void perCallRatiosOfAnOddNfeTakeOneRatioOnTheFirstOrderStep() {
        SolverPlan p = SOLVER.plan(5, Trajectory.UNIFORM, SCH);
        assertArrayEquals(new int[] {2, 2, 1}, p.slots());
        new TunedSchedule("dpm-solver-2", 5, "uniform", p.times(), new double[][] {{0.98, 0.97}, {0.99, 1.01}, {1.0}}, null)
                .checkFits("dpm-solver-2", 5, "uniform", p, SCH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new TunedSchedule("dpm-solver-2", 5, "uniform", p.times(), new double[][] {{0.98, 0.97}, {0.99, 1.01}, {1.0, 1.0}}, null)
                        .checkFits("dpm-solver-2", 5, "uniform", p, SCH));
        assertTrue(e.getMessage().contains("makes 1 network calls"), e.getMessage());
    }
}
