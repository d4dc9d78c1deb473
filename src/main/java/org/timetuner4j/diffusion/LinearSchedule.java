package org.timetuner4j.diffusion;

/** The continuous VPSDE schedule: log α_t = −¼t²(β1 − β0) − ½tβ0 (defaults β0 = 0.1, β1 = 20). */
public final class LinearSchedule implements NoiseSchedule {
    private final double beta0, beta1;
    private final int totalN;

    public LinearSchedule(double beta0, double beta1, int totalN) {
        if (!(beta1 > beta0 && beta0 >= 0)) throw new IllegalArgumentException("need 0 <= beta0 < beta1");
        this.beta0 = beta0;
        this.beta1 = beta1;
        this.totalN = totalN;
    }

    public static LinearSchedule vpsde() { return new LinearSchedule(0.1, 20, 1000); }

    @Override public double logAlpha(double t) { return -0.25 * t * t * (beta1 - beta0) - 0.5 * t * beta0; }

    @Override public double logAlphaSlope(double t) { return -0.5 * t * (beta1 - beta0) - 0.5 * beta0; }

    @Override public double inverseLambda(double lambda) {
        double a = -2 * lambda, m = Math.max(a, 0);
        double l = m + Math.log1p(Math.exp(-Math.abs(a)));  // logaddexp(−2λ, 0) = −2 log α
        double tmp = 2 * (beta1 - beta0) * l;
        double delta = beta0 * beta0 + tmp;
        return tmp / ((Math.sqrt(delta) + beta0) * (beta1 - beta0));
    }

    @Override public double tMax() { return 1.0; }

    @Override public double tMin() { return 1.0 / totalN; }

    @Override public int totalN() { return totalN; }

    @Override public boolean isDiscrete() { return false; }
}
