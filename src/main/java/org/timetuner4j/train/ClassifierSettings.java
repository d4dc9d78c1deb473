package org.timetuner4j.train;

/**
 * Settings of a digit-classifier run: passes over the data, images per step, Adam's peak
 * learning rate (cosine-decayed to 0 over the run), seed, and the largest random shift in
 * pixels applied to each training image (0 = no augmentation).
 */
public record ClassifierSettings(int epochs, int batch, double lr, long seed, int maxShift) {
    public ClassifierSettings {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be >= 1, got " + epochs);
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (maxShift < 0 || maxShift > 8) throw new IllegalArgumentException("--shift must be in 0..8, got " + maxShift);
    }

    /** Learning rate of step s of {@code total}: lr·(1 + cos(π·s/total))/2. */
    public double learningRate(long s, long total) {
        return lr * 0.5 * (1 + Math.cos(Math.PI * s / total));
    }
}
