package org.timetuner4j.diffusion.sampling;

import org.junit.jupiter.api.Test;
import org.timetuner4j.diffusion.DiscreteSchedule;
import org.timetuner4j.diffusion.solvers.SolverPlan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ratio bounds that keep τ = r·t inside DDPM's time range [1/1000, 1], by hand. */
class TunedTimeRangeTest {
    final TunedTimeRange range = new TunedTimeRange(DiscreteSchedule.ddpm(),
            new SolverPlan(new double[] {1.001, 0.5, 0.01, 0.001}, new int[] {2, 2, 1}));

    @Test void slotZeroIsAtTheStartAndLaterSlotsAnywhereInTheStep() {
        // step 1 runs from t = 0.5 to 0.01: slot 0 at 0.5; slot 1 somewhere in [0.01, 0.5]
        assertArrayEquals(new double[] {0.002, 2}, range.bounds(1, 0, 2), 1e-12);
        assertArrayEquals(new double[] {0.1, 2}, range.bounds(1, 1, 2), 1e-12);
        assertArrayEquals(new double[] {0.1, 2}, range.bounds(1, 0, 1), 1e-12, "a tied ratio serves both slots");
        assertArrayEquals(new double[] {0.1, 100}, range.bounds(2, 0, 1), 1e-12, "one slot, at t = 0.01");
    }

    @Test void aNominalTimeOutsideTheRangeStillAllowsRatioOne() {
        double[] b = range.bounds(0, 0, 1);
        assertArrayEquals(new double[] {0.001 / 0.5, 1}, b, 1e-12, "t = 1.001 > 1: r ≤ 1 keeps τ at t, no higher");
        assertTrue(range.contains(1.0, 0, 0, 1));
        assertFalse(range.contains(1.01, 0, 0, 1));
    }

    @Test void projectionAndBoundsUpToFloatRounding() {
        assertArrayEquals(new double[] {0.1, 2, 0.7}, new double[] {range.clamp(-3, 1, 1, 2), range.clamp(7, 1, 1, 2),
                range.clamp(0.7, 1, 1, 2)}, 0.0);
        assertTrue(range.atBound((float) 0.1, 1, 1, 2), "a bound stored as float32 still counts as the bound");
        assertTrue(range.contains((float) 0.1, 1, 1, 2));
        assertFalse(range.atBound(0.1001, 1, 1, 2));
        assertFalse(range.contains(0.0999, 1, 1, 2));
    }
}
