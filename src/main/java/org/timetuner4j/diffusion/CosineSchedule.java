package org.timetuner4j.diffusion;

/** iDDPM's continuous cosine schedule (s = 0.008, T = 0.9946), as in dpm-solver's history and UniPC. */
public final class CosineSchedule implements NoiseSchedule {
    private static final double S = 0.008;
    private static final double LOG_ALPHA_0 = Math.log(Math.cos(S / (1 + S) * Math.PI / 2));
    private final int totalN;

    public CosineSchedule(int totalN) {
        this.totalN = totalN;
    }

    @Override public double logAlpha(double t) {
        return Math.log(Math.cos((t + S) / (1 + S) * Math.PI / 2)) - LOG_ALPHA_0;
    }

    @Override public double logAlphaSlope(double t) {
        return -(Math.PI / (2 * (1 + S))) * Math.tan((t + S) / (1 + S) * Math.PI / 2);
    }

    @Override public double inverseLambda(double lambda) {
        double la = NoiseSchedule.logAlphaOfLambda(lambda);
        return 2 * (1 + S) / Math.PI * Math.acos(Math.exp(la + LOG_ALPHA_0)) - S;
    }

    @Override public double tMax() { return 0.9946; }

    @Override public double tMin() { return 1.0 / totalN; }

    @Override public int totalN() { return totalN; }

    @Override public boolean isDiscrete() { return false; }
}
