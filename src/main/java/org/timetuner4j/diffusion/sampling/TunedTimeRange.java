package org.timetuner4j.diffusion.sampling;

import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.solvers.SolverPlan;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Where the ratios of a plan may lie so that every tuned time τ = r·t stays inside the model's
 * time range [tMin, tMax] (for a discrete model [1/N, 1]); a nominal time outside that range
 * widens it to itself, so r = 1 is always allowed. Slot 0 of interval i is evaluated at t_i; the
 * other slots of a step (Heun's second call, DPM-Solver-2's inner point) lie in
 * [t_{i+1}, t_i], so a ratio that serves them is bounded for every time in that interval.
 */
public final class TunedTimeRange {
    /** Relative slack for ratios stored as float32 (one float ulp is 6e-8 relative). */
    private static final double SLACK = 1e-6;

    private final double tMin, tMax;
    private final SolverPlan plan;

    public TunedTimeRange(NoiseSchedule schedule, SolverPlan plan) {
        this.tMin = schedule.tMin();
        this.tMax = schedule.tMax();
        this.plan = plan;
    }

    /**
     * {lowest, highest} ratio of interval {@code interval}: of slot {@code slot} when the interval
     * has one ratio per slot ({@code ratios} > 1), else of the one ratio that serves all slots.
     */
    public double[] bounds(int interval, int slot, int ratios) {
        double tStart = plan.time(interval), tEnd = plan.time(interval + 1);
        boolean onlyAtStart = ratios > 1 ? slot == 0 : plan.slots(interval) == 1;
        double earliest = onlyAtStart ? tStart : tEnd;
        return new double[] {Math.min(tMin, earliest) / earliest, Math.max(tMax, tStart) / tStart};
    }

    /** r projected onto its bounds. */
    public double clamp(double r, int interval, int slot, int ratios) {
        double[] b = bounds(interval, slot, ratios);
        return Math.max(b[0], Math.min(b[1], r));
    }

    /** Whether r is inside its bounds (up to float32 rounding). */
    public boolean contains(double r, int interval, int slot, int ratios) {
        double[] b = bounds(interval, slot, ratios);
        return r >= b[0] * (1 - SLACK) && r <= b[1] * (1 + SLACK);
    }

    /** Whether r sits on one of its bounds (up to float32 rounding). */
    public boolean atBound(double r, int interval, int slot, int ratios) {
        double[] b = bounds(interval, slot, ratios);
        return Math.abs(r - b[0]) <= SLACK * b[0] || Math.abs(r - b[1]) <= SLACK * b[1];
    }

    /** The time range, e.g. {@code [0.001, 1]}. */
    public String describe() {
        return "[" + shortly(tMin) + ", " + shortly(tMax) + "]";
    }

    /** The bounds of a ratio, e.g. {@code [0.00138396, 1]}. */
    public String describeBounds(int interval, int slot, int ratios) {
        double[] b = bounds(interval, slot, ratios);
        return "[" + shortly(b[0]) + ", " + shortly(b[1]) + "]";
    }

    /** Six significant digits, no trailing zeros. */
    static String shortly(double v) {
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }
}
