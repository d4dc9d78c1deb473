package org.timetuner4j.diffusion;

/**
 * A variance-preserving noise schedule in continuous time t ∈ [tMin, tMax]: the marginals are
 * q(x_t | x_0) = N(α_t x_0, σ_t² I) with α² + σ² = 1, and λ_t = log α_t − log σ_t (half log-SNR).
 * Everything is in double precision.
 */
public interface NoiseSchedule {

    /** log α_t (extrapolated linearly outside a discrete schedule's keypoints). */
    double logAlpha(double t);

    /** d log α_t / dt. */
    double logAlphaSlope(double t);

    /** t with λ_t = lambda. */
    double inverseLambda(double lambda);

    /** T, the start of sampling (1 for discrete and linear, 0.9946 for cosine). */
    double tMax();

    /** ε, the end of sampling: 1/N. */
    double tMin();

    /** N: the number of training steps (defines ε = 1/N). */
    int totalN();

    /** Whether the network was trained on discrete step labels (then t_in = (t − 1/N)·1000). */
    boolean isDiscrete();

    default double alpha(double t) { return Math.exp(logAlpha(t)); }

    default double sigma(double t) { return Math.sqrt(-Math.expm1(2 * logAlpha(t))); }

    default double lambda(double t) {
        double la = logAlpha(t);
        return la - 0.5 * Math.log(-Math.expm1(2 * la));
    }

    /** dα/dt = α·(d log α/dt). */
    default double alphaSlope(double t) { return alpha(t) * logAlphaSlope(t); }

    /** dσ/dt = −α²·(d log α/dt)/σ. */
    default double sigmaSlope(double t) {
        double a = alpha(t);
        return -a * a * logAlphaSlope(t) / sigma(t);
    }

    /** The time the network is fed: (t − 1/N)·1000 for discrete models, t otherwise. */
    default double modelInputTime(double t) { return isDiscrete() ? (t - 1.0 / totalN()) * 1000.0 : t; }

    /** d t_in / dt. */
    default double modelInputTimeSlope() { return isDiscrete() ? 1000.0 : 1.0; }

    /** log α from λ: −½·logaddexp(0, −2λ). */
    static double logAlphaOfLambda(double lambda) {
        double a = 0, b = -2 * lambda;
        double m = Math.max(a, b);
        return -0.5 * (m + Math.log1p(Math.exp(-Math.abs(a - b))));
    }
}
