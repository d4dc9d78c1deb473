package org.timetuner4j.metrics;

/**
 * The mean and the covariance (double precision) of a set of feature vectors: what a Fréchet
 * distance needs of each set. The covariance is the unbiased one (divides by count − 1), as the
 * standard FID code computes it ({@code np.cov}).
 */
public record FeatureStatistics(double[] mean, double[][] covariance, int count) {
    /** The statistics of {@code count} vectors of {@code dim} values laid out one after another. */
    public static FeatureStatistics of(float[] features, int count, int dim) {
        if (count < 2) throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, got " + count);
        if (dim < 1 || features.length != (long) count * dim)
            throw new IllegalArgumentException(features.length + " values are not " + count + " vectors of " + dim);
        double[] mean = new double[dim];
        for (int n = 0; n < count; n++)
            for (int i = 0; i < dim; i++) mean[i] += features[n * dim + i];
        for (int i = 0; i < dim; i++) mean[i] /= count;
        double[][] cov = new double[dim][dim];
        double[] centred = new double[dim];
        for (int n = 0; n < count; n++) {
            for (int i = 0; i < dim; i++) centred[i] = features[n * dim + i] - mean[i];
            for (int i = 0; i < dim; i++) {
                double ci = centred[i];
                double[] row = cov[i];
                for (int j = i; j < dim; j++) row[j] += ci * centred[j];
            }
        }
        for (int i = 0; i < dim; i++)
            for (int j = i; j < dim; j++) {
                cov[i][j] /= count - 1;
                cov[j][i] = cov[i][j];
            }
        return new FeatureStatistics(mean, cov, count);
    }

    public int dim() { return mean.length; }
}
