package org.timetuner4j.diffusion;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The nominal times t_0 > t_1 > … > t_K of a sampling run (K intervals), ending at ε = 1/N:
 * <ul>
 *   <li>{@code official}: TimeTuner's default: labels range(0, N, N div K) reversed, +1, then
 *       t = label/1000 + 1/N, last step to 1/N. When K does not divide N there are more than K
 *       intervals (see {@link #officialIntervals}).</li>
 *   <li>{@code uniform}, {@code quadratic}, {@code logsnr}: dpm-solver's time_uniform,
 *       time_quadratic and logSNR grids from T to 1/N.</li>
 *   <li>{@code edm}: Karras et al.'s ρ = 7 noise levels (σ̃ in [max(0.002, σ̃(ε)), min(80, σ̃(T))])
 *       mapped to VP time by t = λ⁻¹(−ln σ̃).</li>
 * </ul>
 */
public enum Trajectory {
    OFFICIAL, UNIFORM, QUADRATIC, LOGSNR, EDM;

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static Trajectory of(String id) {
        for (Trajectory t : values()) if (t.id().equals(id)) return t;
        throw new IllegalArgumentException("trajectory '" + id + "' is not one of official, uniform, quadratic, logsnr, edm");
    }

    /** The number of intervals {@code official} yields for K requested steps (≥ K). */
    public static int officialIntervals(int n, int k) {
        int step = n / k;
        if (step < 1) throw new IllegalArgumentException(k + " steps exceed the model's " + n + " training steps");
        return (n + step - 1) / step;
    }

    /** K+1 descending times (K intervals; {@code official} may give more). */
    public double[] times(NoiseSchedule s, int intervals) {
        if (intervals < 1) throw new IllegalArgumentException("need at least one step, got " + intervals);
        double tT = s.tMax(), t0 = s.tMin();
        int k = intervals;
        double[] t = new double[k + 1];
        switch (this) {
            case OFFICIAL -> {
                int n = s.totalN();
                int step = n / k;
                if (step < 1) throw new IllegalArgumentException(k + " steps exceed the model's " + n + " training steps");
                List<Double> labels = new ArrayList<>();
                for (int v = 0; v < n; v += step) labels.add((double) v);
                int m = labels.size();
                t = new double[m + 1];
                // TimeTuner hard-codes /1000 for the label-to-time map (exact for N = 1000)
                for (int i = 0; i < m; i++) t[i] = (labels.get(m - 1 - i) + 1) / 1000.0 + 1.0 / n;
                t[m] = 1.0 / n;
            }
            case UNIFORM -> {
                for (int i = 0; i <= k; i++) t[i] = tT + (i / (double) k) * (t0 - tT);
            }
            case QUADRATIC -> {
                double a = Math.sqrt(tT), b = Math.sqrt(t0);
                for (int i = 0; i <= k; i++) {
                    double v = a + (i / (double) k) * (b - a);
                    t[i] = v * v;
                }
            }
            case LOGSNR -> {
                double la = s.lambda(tT), lb = s.lambda(t0);
                for (int i = 0; i <= k; i++) t[i] = s.inverseLambda(la + (i / (double) k) * (lb - la));
                t[0] = tT;
                t[k] = t0;
            }
            case EDM -> {
                double rho = 7;
                double sMin = Math.max(0.002, Math.exp(-s.lambda(t0))), sMax = Math.min(80, Math.exp(-s.lambda(tT)));
                double a = Math.pow(sMax, 1 / rho), b = Math.pow(sMin, 1 / rho);
                for (int i = 0; i <= k; i++) {
                    double sigma = Math.pow(a + (i / (double) k) * (b - a), rho);
                    t[i] = s.inverseLambda(-Math.log(sigma));
                }
                if (sMin == Math.exp(-s.lambda(t0))) t[k] = t0;
            }
        }
        return t;
    }
}
