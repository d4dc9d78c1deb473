package org.timetuner4j.data;

/** The data distribution N(M, S²·I) of images of shape [C, H, W] (every pixel independent). */
public record GaussianDistribution(double mean, double std, int[] shape) {
    /** The largest tensor the engine holds (one Java array). */
    private static final long MAX_SAMPLE_VALUES = Integer.MAX_VALUE - 8;

    public GaussianDistribution {
        if (!Double.isFinite(mean)) throw new IllegalArgumentException("gaussian model: mean must be a finite number, got " + mean);
        if (!(std > 0) || !Double.isFinite(std)) throw new IllegalArgumentException("gaussian model: std must be > 0 and finite, got " + std);
        if (shape.length != 3) throw new IllegalArgumentException("gaussian model: shape must be CxHxW");
        for (int d : shape) if (d <= 0) throw new IllegalArgumentException("gaussian model: shape dimensions must be > 0");
        long values = (long) shape[0] * shape[1] * shape[2];
        if (values > MAX_SAMPLE_VALUES)
            throw new IllegalArgumentException("gaussian model: shape " + shape[0] + "x" + shape[1] + "x" + shape[2] + " has "
                    + values + " values per sample; at most " + MAX_SAMPLE_VALUES + " fit in one tensor");
        shape = shape.clone();
    }

    @Override public int[] shape() { return shape.clone(); }
}
