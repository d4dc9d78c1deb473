package org.timetuner4j.train;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;

/**
 * What a training run is: everything that decides its result, so a checkpoint made with other
 * settings is refused on resume. The number of steps is not part of it: a run may be extended.
 *
 * @param batch        images per step
 * @param lr           Adam's learning rate after warm-up
 * @param warmupSteps  steps over which the learning rate rises linearly from lr/warmup to lr
 * @param clipNorm     the gradient's global L2 norm is scaled down to this when larger (≤ 0: off)
 * @param emaDecay     decay of the exponential moving average of the weights (the model shipped)
 * @param labelDropout probability that a label is replaced by the null label (classifier-free guidance)
 * @param seed         seed of data order, times, noise, label dropout, dropout and initial weights
 */
public record TrainSettings(int batch, double lr, int warmupSteps, double clipNorm, double emaDecay,
                            double labelDropout, long seed) {
    public TrainSettings {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        if (!(lr > 0) || !Double.isFinite(lr)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (warmupSteps < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmupSteps);
        if (!Double.isFinite(clipNorm)) throw new IllegalArgumentException("--clip must be finite, got " + clipNorm);
        if (!(emaDecay >= 0 && emaDecay < 1)) throw new IllegalArgumentException("--ema must be in [0, 1), got " + emaDecay);
        if (!(labelDropout >= 0 && labelDropout < 1))
            throw new IllegalArgumentException("--label-dropout must be in [0, 1), got " + labelDropout);
    }

    /** The learning rate of step s (0-based): linear warm-up, then constant. */
    public double learningRate(long step) {
        return warmupSteps == 0 ? lr : lr * Math.min(1.0, (step + 1.0) / warmupSteps);
    }

    /** The EMA decay at step s: min(emaDecay, (1 + s) / (10 + s)), so early averages are not stuck at the initial weights. */
    public double emaDecayAt(long step) {
        return Math.min(emaDecay, (1.0 + step) / (10.0 + step));
    }

    private static final Gson GSON = new Gson();

    public String toJson() { return GSON.toJson(this); }

    public static TrainSettings fromJson(String json) {
        try {
            TrainSettings s = GSON.fromJson(json, TrainSettings.class);
            if (s == null) throw new IllegalArgumentException("empty training settings");
            return new TrainSettings(s.batch, s.lr, s.warmupSteps, s.clipNorm, s.emaDecay, s.labelDropout, s.seed);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("bad training settings: " + e.getMessage());
        }
    }
}
