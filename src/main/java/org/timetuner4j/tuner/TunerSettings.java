package org.timetuner4j.tuner;

/**
 * What a tuning run is: everything that must match for {@code --resume} to continue it.
 *
 * @param slotsPerCall one ratio per network call of an interval instead of one per interval
 */
public record TunerSettings(String model, String modelSha256, String data, String solver, double eta, int nfe,
                            String trajectory, TunerObjective.Mode mode, boolean slotsPerCall, double lr, int iters,
                            int batch, long seed) {
    public TunerSettings {
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (iters < 1) throw new IllegalArgumentException("--iters must be >= 1, got " + iters);
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
    }
}
