package org.timetuner4j.metrics;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.solvers.DpmSolverPP2M;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Stepper;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * The probability-flow ODE solved finely from x_T, as the ground truth of {@link TrajectoryError}:
 * DPM-Solver++(2M) (second order, one network call per step) over {@code steps} intervals uniform
 * in logSNR from the start time to the model's t_min. The times the few-step runs are compared
 * at are put into that grid (each replaces the nearest grid node, or is inserted when that node
 * is taken), so every requested time is reached exactly and one solve serves every setting
 * that starts at the same time; only the states at the requested times are kept.
 */
public final class ReferenceFlow {
    public static final int DEFAULT_STEPS = 1000;

    /** The solution at the requested times (descending), for every sample: states[j] is [count·C·H·W] at times[j]. */
    public record Solution(double start, double[] times, float[][] states) {
        /** The states at time t, one of the requested times (matched to 1e-10). */
        public float[] at(double t) {
            for (int j = 0; j < times.length; j++) if (same(times[j], t)) return states[j];
            throw new IllegalArgumentException("the reference was not solved to t = " + t);
        }
    }

    private final NoisePredictor model;
    private final Backend backend;
    private final int steps;

    public ReferenceFlow(NoisePredictor model, Backend backend, int steps) {
        if (steps < 10) throw new IllegalArgumentException("a reference needs at least 10 steps, got " + steps);
        this.model = model;
        this.backend = backend;
        this.steps = steps;
    }

    /**
     * The reference grid from {@code start} to t_min containing every time in {@code wanted}
     * (all in [t_min, start]), descending, without repeats.
     */
    public double[] grid(double start, double[] wanted) {
        NoiseSchedule s = model.schedule();
        double end = s.tMin();
        double la = s.lambda(start), lb = s.lambda(end);
        double[] base = new double[steps + 1];
        for (int i = 0; i <= steps; i++) base[i] = s.inverseLambda(la + (i / (double) steps) * (lb - la));
        base[0] = start;
        base[steps] = end;
        boolean[] taken = new boolean[steps + 1];
        taken[0] = taken[steps] = true;
        TreeSet<Double> extra = new TreeSet<>();
        for (double w : distinctDescending(wanted)) {
            if (!(w >= end - 1e-12 && w <= start + 1e-12))
                throw new IllegalArgumentException("time " + w + " lies outside the reference's [" + end + ", " + start + "]");
            if (Math.abs(w - start) <= 1e-12 || Math.abs(w - end) <= 1e-12) continue;
            double position = (s.lambda(w) - la) / (lb - la) * steps;
            int nearest = (int) Math.max(1, Math.min(steps - 1, Math.round(position)));
            if (!taken[nearest]) {
                base[nearest] = w;
                taken[nearest] = true;
            } else {
                extra.add(w);
            }
        }
        double[] all = new double[base.length + extra.size()];
        System.arraycopy(base, 0, all, 0, base.length);
        int k = base.length;
        for (double w : extra) all[k++] = w;
        Arrays.sort(all);
        double[] desc = Arrays.stream(all).distinct().toArray();
        for (int i = 0, j = desc.length - 1; i < j; i++, j--) {
            double v = desc[i];
            desc[i] = desc[j];
            desc[j] = v;
        }
        return desc;
    }

    /** Network evaluations per sample of one solve. */
    public int nfe(double start, double[] wanted) { return grid(start, wanted).length - 1; }

    /**
     * Solves from x_T ({@code count} samples, row-major) at {@code start} in batches; told
     * {@code progress} after every reference step of every batch.
     */
    public Solution solve(float[] xT, int count, int batch, double start, double[] wanted, Runnable progress) {
        int[] shape = model.sampleShape();
        int d = shape[0] * shape[1] * shape[2];
        if (xT.length != (long) count * d) throw new IllegalArgumentException("x_T holds " + xT.length + " values, not " + count + " samples of " + d);
        double[] grid = grid(start, wanted);
        double[] times = distinctDescending(wanted);
        int[] gridIndex = new int[times.length];
        for (int j = 0; j < times.length; j++) gridIndex[j] = nearestIndex(grid, times[j]);
        float[][] states = new float[times.length][count * d];
        int[] slots = new int[grid.length - 1];
        Arrays.fill(slots, 1);
        SolverPlan plan = new SolverPlan(grid, slots);
        for (int b0 = 0; b0 < count; b0 += batch) {
            int n = Math.min(batch, count - b0);
            float[] part = Arrays.copyOfRange(xT, b0 * d, (b0 + n) * d);
            for (int j = 0; j < times.length; j++) if (gridIndex[j] == 0) System.arraycopy(part, 0, states[j], b0 * d, n * d);
            try (Scope scope = Scope.open(); Stepper stepper = new DpmSolverPP2M().stepper(model, plan, null, b0)) {
                Tensor x0 = backend.fromHost(part, Shape.of(n, shape[0], shape[1], shape[2]));
                Tensor x = x0;
                for (int i = 0; i < plan.intervals(); i++) {
                    Tensor next;
                    try (Scope step = Scope.open()) {
                        next = step.keep(stepper.step(i, x, null));
                    }
                    if (x != x0) Scope.detach(x).close();
                    x = next;
                    float[] host = null;
                    for (int j = 0; j < times.length; j++) {
                        if (gridIndex[j] != i + 1) continue;
                        if (host == null) host = x.toArray();
                        System.arraycopy(host, 0, states[j], b0 * d, n * d);
                    }
                    if (progress != null) progress.run();
                }
            }
        }
        return new Solution(start, times, states);
    }

    /** Times this close are one time: an extra grid node so near another would make a step too short for float32. */
    static boolean same(double a, double b) { return Math.abs(a - b) <= 1e-10 * Math.max(1, Math.abs(b)); }

    private static double[] distinctDescending(double[] times) {
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double[] out = new double[sorted.length];
        int n = 0;
        for (int i = sorted.length - 1; i >= 0; i--) if (n == 0 || !same(out[n - 1], sorted[i])) out[n++] = sorted[i];
        return Arrays.copyOf(out, n);
    }

    private static int nearestIndex(double[] grid, double t) {
        int best = 0;
        for (int i = 1; i < grid.length; i++) if (Math.abs(grid[i] - t) < Math.abs(grid[best] - t)) best = i;
        return best;
    }
}
