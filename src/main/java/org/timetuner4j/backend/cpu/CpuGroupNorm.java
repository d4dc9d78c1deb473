package org.timetuner4j.backend.cpu;

/**
 * Group normalisation over (C/G)·H·W values per sample and group, biased variance, then the
 * per-channel scale-and-shift y = x·a + b with a = rstd·γ, b = β − a·μ (PyTorch's form).
 */
final class CpuGroupNorm {
    private CpuGroupNorm() {}

    static void forward(float[] x, float[] gamma, float[] beta, int n, int c, int hw, int groups, float eps,
                        float[] y, float[] mean, float[] rstd) {
        int cpg = c / groups;
        int m = cpg * hw;
        Parallel.forEach(n * groups, ng -> {
            int base = ng * m;
            double s = 0;
            for (int i = 0; i < m; i++) s += x[base + i];
            double mu = s / m;
            double v = 0;
            for (int i = 0; i < m; i++) {
                double dlt = x[base + i] - mu;
                v += dlt * dlt;
            }
            v /= m;
            float fm = (float) mu;
            float fr = (float) (1.0 / Math.sqrt(v + eps));
            mean[ng] = fm;
            rstd[ng] = fr;
            int g = ng % groups;
            for (int cc = 0; cc < cpg; cc++) {
                int ch = g * cpg + cc;
                float a = fr * gamma[ch];
                float b = beta[ch] - a * fm;
                int off = base + cc * hw;
                for (int i = 0; i < hw; i++) y[off + i] = x[off + i] * a + b;
            }
        });
    }

    /**
     * With x̂ = (x − μ)·r and gx̂ = gy·γ: gx = r·(gx̂ − mean(gx̂) − x̂·mean(gx̂·x̂)),
     * gγ = Σ gy·x̂, gβ = Σ gy (sums over samples and positions).
     */
    static void backward(float[] gy, float[] x, float[] gamma, float[] mean, float[] rstd,
                         int n, int c, int hw, int groups, float[] gx, float[] ggamma, float[] gbeta) {
        int cpg = c / groups;
        int m = cpg * hw;
        Parallel.forEach(n * groups, ng -> {
            int base = ng * m;
            int g = ng % groups;
            double mu = mean[ng], r = rstd[ng];
            double sumG = 0, sumGX = 0;
            for (int cc = 0; cc < cpg; cc++) {
                double gam = gamma[g * cpg + cc];
                int off = base + cc * hw;
                for (int i = 0; i < hw; i++) {
                    double gh = gy[off + i] * gam;
                    sumG += gh;
                    sumGX += gh * (x[off + i] - mu) * r;
                }
            }
            double meanG = sumG / m, meanGX = sumGX / m;
            for (int cc = 0; cc < cpg; cc++) {
                double gam = gamma[g * cpg + cc];
                int off = base + cc * hw;
                for (int i = 0; i < hw; i++) {
                    double xh = (x[off + i] - mu) * r;
                    gx[off + i] = (float) (r * (gy[off + i] * gam - meanG - xh * meanGX));
                }
            }
        });
        Parallel.forEach(c, ch -> {
            int g = ch / cpg;
            double sg = 0, sgx = 0;
            for (int i = 0; i < n; i++) {
                int ng = i * groups + g;
                double mu = mean[ng], r = rstd[ng];
                int off = (i * c + ch) * hw;
                for (int j = 0; j < hw; j++) {
                    sg += gy[off + j];
                    sgx += gy[off + j] * (x[off + j] - mu) * r;
                }
            }
            ggamma[ch] = (float) sgx;
            gbeta[ch] = (float) sg;
        });
    }
}
