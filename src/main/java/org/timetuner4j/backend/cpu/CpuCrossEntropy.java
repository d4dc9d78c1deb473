package org.timetuner4j.backend.cpu;

/**
 * Softmax cross-entropy over the rows of logits [N,K]. Per row: m = max z, s = Σ exp(z − m)
 * in double, nll = m + ln s − z_label; the loss is Σ nll / N, summed in double in row order.
 * The row statistics (m, ln s) are kept for the backward.
 */
final class CpuCrossEntropy {
    private CpuCrossEntropy() {}

    /** Writes (m, ln s) of row r into {@code stats[2r], stats[2r+1]}; returns the mean negative log-likelihood. */
    static double forward(float[] z, int[] labels, int k, float[] stats) {
        int n = labels.length;
        double[] nll = new double[n];
        Parallel.forEach(n, r -> {
            int o = r * k;
            float m = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) m = Math.max(m, z[o + j]);
            double s = 0;
            for (int j = 0; j < k; j++) s += Math.exp((double) z[o + j] - m);
            double logSum = Math.log(s);
            stats[2 * r] = m;
            stats[2 * r + 1] = (float) logSum;
            nll[r] = (double) m + logSum - z[o + labels[r]];
        });
        double total = 0;
        for (double v : nll) total += v;
        return total / n;
    }

    /** gz = g·(exp(z − m − ln s) − onehot)/N. */
    static void backward(float g, float[] z, float[] stats, int[] labels, int k, float[] gz) {
        int n = labels.length;
        double scale = (double) g / n;
        Parallel.forEach(n, r -> {
            int o = r * k;
            double m = stats[2 * r], logSum = stats[2 * r + 1];
            for (int j = 0; j < k; j++) {
                double p = Math.exp((z[o + j] - m) - logSum);
                gz[o + j] = (float) (scale * (j == labels[r] ? p - 1 : p));
            }
        });
    }
}
