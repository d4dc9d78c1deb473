package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Group normalisation over (C/G)·H·W values per sample and group, biased variance, then the
 * per-channel scale-and-shift y = x·a + b with a = rstd·γ, b = β − a·μ (PyTorch's form).
 * With {@code silu} the forward writes silu(y) in the same pass, and {@link #siluGrad} turns
 * the gradient of silu(y) into that of y (recomputing y), so the plain backward applies.
 */
final class CpuGroupNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    private CpuGroupNorm() {}

    static void forward(float[] x, float[] gamma, float[] beta, int n, int c, int hw, int groups, float eps,
                        boolean silu, float[] y, float[] mean, float[] rstd) {
        int cpg = c / groups;
        int m = cpg * hw;
        Parallel.forEach(n * groups, ng -> {
            int base = ng * m;
            double[] moments = moments(x, base, m);
            double mu = moments[0], v = moments[1];
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
                FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
                int i = 0;
                if (silu) {
                    for (int end = S.loopBound(hw); i < end; i += S.length()) {
                        FloatVector z = FloatVector.fromArray(S, x, off + i).mul(va).add(vb);
                        z.mul(VectorMath.sigmoid(z)).intoArray(y, off + i);
                    }
                    for (; i < hw; i++) {
                        float z = x[off + i] * a + b;
                        y[off + i] = z * (float) (1.0 / (1.0 + Math.exp(-z)));
                    }
                } else {
                    for (int end = S.loopBound(hw); i < end; i += S.length())
                        FloatVector.fromArray(S, x, off + i).mul(va).add(vb).intoArray(y, off + i);
                    for (; i < hw; i++) y[off + i] = x[off + i] * a + b;
                }
            }
        });
    }

    /**
     * gz = gs·silu'(z) with z = x·a + b recomputed exactly as {@link #forward} computed it and
     * silu'(z) = s·(1 + z·(1 − s)), s = sigmoid(z).
     */
    static void siluGrad(float[] gs, float[] x, float[] gamma, float[] beta, float[] mean, float[] rstd,
                         int n, int c, int hw, int groups, float[] gz) {
        int cpg = c / groups;
        Parallel.forEach(n * c, nc -> {
            int ch = nc % c, ng = nc / c * groups + ch / cpg;
            float a = rstd[ng] * gamma[ch];
            float b = beta[ch] - a * mean[ng];
            FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
            int off = nc * hw, i = 0;
            for (int end = S.loopBound(hw); i < end; i += S.length()) {
                FloatVector z = FloatVector.fromArray(S, x, off + i).mul(va).add(vb);
                FloatVector sg = VectorMath.sigmoid(z);
                FloatVector d = sg.mul(ONE.add(z.mul(ONE.sub(sg))));
                FloatVector.fromArray(S, gs, off + i).mul(d).intoArray(gz, off + i);
            }
            for (; i < hw; i++) {
                double z = x[off + i] * a + b;
                double sg = 1.0 / (1.0 + Math.exp(-z));
                gz[off + i] = (float) (gs[off + i] * sg * (1.0 + z * (1.0 - sg)));
            }
        });
    }

    /**
     * Mean and biased variance of x[base, base+m). Vector lanes accumulate blocks of at most
     * BLOCK values shifted by the block's first value (so float sums stay well conditioned);
     * blocks are combined in double with Chan's parallel formula.
     */
    static double[] moments(float[] x, int base, int m) {
        final int block = 1024;
        double count = 0, mean = 0, m2 = 0;
        for (int b0 = 0; b0 < m; b0 += block) {
            int len = Math.min(block, m - b0), off = base + b0;
            float shift = x[off];
            FloatVector vs = FloatVector.broadcast(S, shift);
            FloatVector sum = FloatVector.zero(S), sq = FloatVector.zero(S);
            int i = 0;
            for (int end = S.loopBound(len); i < end; i += S.length()) {
                FloatVector d = FloatVector.fromArray(S, x, off + i).sub(vs);
                sum = sum.add(d);
                sq = sq.add(d.mul(d));
            }
            double s = VectorMath.sumLanes(sum), s2 = VectorMath.sumLanes(sq);
            for (; i < len; i++) {
                double d = x[off + i] - shift;
                s += d;
                s2 += d * d;
            }
            double bMean = shift + s / len;
            double bM2 = Math.max(0, s2 - s * s / len);
            double delta = bMean - mean, total = count + len;
            mean += delta * len / total;
            m2 += bM2 + delta * delta * count * len / total;
            count = total;
        }
        return new double[] {mean, m2 / count};
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
