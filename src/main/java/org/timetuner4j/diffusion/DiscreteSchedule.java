package org.timetuner4j.diffusion;

/**
 * The schedule of a discrete-time model (dpm-solver's 'discrete'): keypoints t_n = (n+1)/N with
 * log α_n = ½ Σ_{k≤n} log(1 − β_k), joined piecewise-linearly and extended linearly beyond both
 * ends. The keypoints stay in double precision (the reference rounds them to float32, a
 * difference of ~1e-7 relative).
 */
public final class DiscreteSchedule implements NoiseSchedule {
    private final double[] t;
    private final double[] logAlpha;
    private final int n;

    private DiscreteSchedule(double[] logAlpha) {
        this.n = logAlpha.length;
        if (n < 2) throw new IllegalArgumentException("a discrete schedule needs at least 2 steps");
        this.t = new double[n];
        this.logAlpha = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = (i + 1) / (double) n;
            this.logAlpha[i] = logAlpha[i];
        }
        for (int i = 1; i < n; i++)
            if (!(this.logAlpha[i] < this.logAlpha[i - 1]))
                throw new IllegalArgumentException("alphas_cumprod must decrease strictly (step " + i + ")");
    }

    public static DiscreteSchedule fromBetas(double[] betas) {
        double[] la = new double[betas.length];
        double s = 0;
        for (int i = 0; i < betas.length; i++) {
            if (!(betas[i] > 0 && betas[i] < 1)) throw new IllegalArgumentException("beta " + i + " = " + betas[i] + " is not in (0, 1)");
            s += Math.log(1 - betas[i]);
            la[i] = 0.5 * s;
        }
        return new DiscreteSchedule(la);
    }

    public static DiscreteSchedule fromAlphasCumprod(double[] alphasCumprod) {
        double[] la = new double[alphasCumprod.length];
        for (int i = 0; i < la.length; i++) la[i] = 0.5 * Math.log(alphasCumprod[i]);
        return new DiscreteSchedule(la);
    }

    /**
     * A named β schedule: {@code linear} (DDPM: linspace(start, end, N)), {@code quad}
     * (linspace(√start, √end, N)²) or {@code cosine} (iDDPM's ᾱ(t) = cos²((t/N + 0.008)/1.008 · π/2),
     * β capped at 0.999).
     */
    public static DiscreteSchedule named(String name, double betaStart, double betaEnd, int steps) {
        double[] b = new double[steps];
        switch (name) {
            case "linear" -> {
                for (int i = 0; i < steps; i++) b[i] = betaStart + (betaEnd - betaStart) * i / (steps - 1);
            }
            case "quad" -> {
                double s0 = Math.sqrt(betaStart), s1 = Math.sqrt(betaEnd);
                for (int i = 0; i < steps; i++) {
                    double v = s0 + (s1 - s0) * i / (steps - 1);
                    b[i] = v * v;
                }
            }
            case "cosine" -> {
                for (int i = 0; i < steps; i++) {
                    double a1 = cosAlphaBar(i / (double) steps), a2 = cosAlphaBar((i + 1) / (double) steps);
                    b[i] = Math.min(1 - a2 / a1, 0.999);
                }
            }
            default -> throw new IllegalArgumentException("beta schedule '" + name + "' is not one of linear, quad, cosine");
        }
        return fromBetas(b);
    }

    private static double cosAlphaBar(double u) {
        double c = Math.cos((u + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** DDPM's default: linear β from 1e-4 to 0.02 over 1000 steps. */
    public static DiscreteSchedule ddpm() {
        return named("linear", 1e-4, 0.02, 1000);
    }

    /** Index j ∈ [1, n−1] of the segment [t_{j−1}, t_j] used for x (end segments beyond the ends). */
    private static int segment(double[] xp, double x) {
        int k = xp.length;
        if (x <= xp[0]) return 1;
        if (x >= xp[k - 1]) return k - 1;
        int lo = 0, hi = k - 1;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (xp[mid] <= x) lo = mid; else hi = mid;
        }
        return hi;
    }

    private static double interpolate(double[] xp, double[] yp, double x) {
        int j = segment(xp, x);
        return yp[j - 1] + (x - xp[j - 1]) * (yp[j] - yp[j - 1]) / (xp[j] - xp[j - 1]);
    }

    @Override public double logAlpha(double time) { return interpolate(t, logAlpha, time); }

    @Override public double logAlphaSlope(double time) {
        int j = segment(t, time);
        return (logAlpha[j] - logAlpha[j - 1]) / (t[j] - t[j - 1]);
    }

    @Override public double inverseLambda(double lambda) {
        double la = NoiseSchedule.logAlphaOfLambda(lambda);
        double[] xp = new double[n], yp = new double[n];
        for (int i = 0; i < n; i++) {
            xp[i] = logAlpha[n - 1 - i];
            yp[i] = t[n - 1 - i];
        }
        return interpolate(xp, yp, la);
    }

    @Override public double tMax() { return 1.0; }

    @Override public double tMin() { return 1.0 / n; }

    @Override public int totalN() { return n; }

    @Override public boolean isDiscrete() { return true; }
}
