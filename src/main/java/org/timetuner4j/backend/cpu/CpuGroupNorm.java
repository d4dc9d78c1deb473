package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Group normalisation over (C/G)·H·W values per sample and group, biased variance, then the
 * per-channel scale-and-shift y = x·a + b with a = rstd·γ, b = β − a·μ (PyTorch's form).
 * With {@code silu} the forward also applies silu to each group while it is in cache, and
 * {@link #siluGrad} turns the gradient of silu(y) into that of y (recomputing y), so the plain
 * backward applies.
 */
final class CpuGroupNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private CpuGroupNorm() {}

    static void forward(float[] x, float[] gamma, float[] beta, int n, int c, int hw, int groups, float eps,
                        boolean silu, float[] y, float[] mean, float[] rstd) {
        int cpg = c / groups;
        int m = cpg * hw;
        Parallel.forEach(n * groups, ng -> {
            int base = ng * m;
            double[] moments = moments(x, base, m);
            float fm = (float) moments[0], fr = rstd(moments[1], eps);
            mean[ng] = fm;
            rstd[ng] = fr;
            normalizeGroup(x, gamma, beta, fm, fr, ng % groups * cpg, cpg, hw, base, y, base);
            // A group at a time: per channel, at 7×7 the SiLU's fixed costs doubled the op's time.
            if (silu) CpuElementwise.silu(y, y, base, base + m);
        });
    }

    /**
     * gz = gs·silu'(z) with z = x·a + b recomputed exactly as {@link #forward} computed it (into
     * gz, then turned into the gradient in place by the shared SiLU backward).
     */
    static void siluGrad(float[] gs, float[] x, float[] gamma, float[] beta, float[] mean, float[] rstd,
                         int n, int c, int hw, int groups, float[] gz) {
        int cpg = c / groups, m = cpg * hw;
        Parallel.forEach(n * groups, ng -> {
            normalizeGroup(x, gamma, beta, mean[ng], rstd[ng], ng % groups * cpg, cpg, hw, ng * m, gz, ng * m);
            CpuElementwise.siluBackward(gz, gs, gz, ng * m, ng * m + m);
        });
    }

    /**
     * y = x·a + b over one group's cpg channels of hw values from x[base…] into y[yBase…], with
     * a = rstd·γ and b = β − a·μ per channel (the group's first channel is {@code ch0}). The
     * forward, {@link #siluGrad} and {@link CpuBlockedGroupNorm#siluIntoPaddedFromNchw} all call
     * it, so each sees exactly the values the forward makes.
     */
    static void normalizeGroup(float[] x, float[] gamma, float[] beta, float mu, float rstd, int ch0, int cpg, int hw,
                               int base, float[] y, int yBase) {
        for (int cc = 0; cc < cpg; cc++) {
            float a = rstd * gamma[ch0 + cc];
            float b = beta[ch0 + cc] - a * mu;
            FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
            int off = base + cc * hw, to = yBase + cc * hw, i = 0;
            for (int end = S.loopBound(hw); i < end; i += S.length())
                FloatVector.fromArray(S, x, off + i).mul(va).add(vb).intoArray(y, to + i);
            for (; i < hw; i++) y[to + i] = x[off + i] * a + b;
        }
    }

    /** 1 / √(variance + eps), rounded to float once: every group norm's scale comes from here. */
    static float rstd(double variance, float eps) {
        return (float) (1.0 / Math.sqrt(variance + eps));
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
     * gγ = Σ gy·x̂, gβ = Σ gy (sums over samples and positions). One pass gathers, per sample
     * and channel, S0 = Σ gy and S1 = Σ gy·(x − μ); every sum above follows from them, and a
     * second pass writes gx = gy·(rγ) + (x − μ)·(−r²·mean(gx̂·x̂)) − r·mean(gx̂).
     */
    static void backward(float[] gy, float[] x, float[] gamma, float[] mean, float[] rstd,
                         int n, int c, int hw, int groups, float[] gx, float[] ggamma, float[] gbeta) {
        int cpg = c / groups;
        double m = (double) cpg * hw;
        double[] s0 = new double[n * c], s1 = new double[n * c];
        Parallel.forEach(n * c, nc -> channelSums(gy, x, nc * hw, hw, mean[nc / c * groups + nc % c / cpg], s0, s1, nc));
        Parallel.forEach(n * groups, ng -> {
            int i = ng / groups, g = ng % groups;
            double r = rstd[ng];
            double sumG = 0, sumGX = 0;
            for (int ch = g * cpg; ch < (g + 1) * cpg; ch++) {
                sumG += gamma[ch] * s0[i * c + ch];
                sumGX += gamma[ch] * s1[i * c + ch];
            }
            double meanG = sumG / m, meanGX = sumGX * r / m;
            FloatVector vmu = FloatVector.broadcast(S, mean[ng]);
            float b = (float) (-r * r * meanGX), cst = (float) (-r * meanG);
            FloatVector vb = FloatVector.broadcast(S, b), vc = FloatVector.broadcast(S, cst);
            for (int ch = g * cpg; ch < (g + 1) * cpg; ch++) {
                float a = (float) (r * gamma[ch]);
                FloatVector va = FloatVector.broadcast(S, a);
                int off = (i * c + ch) * hw, j = 0;
                for (int end = S.loopBound(hw); j < end; j += S.length()) {
                    FloatVector xc = FloatVector.fromArray(S, x, off + j).sub(vmu);
                    FloatVector.fromArray(S, gy, off + j).mul(va).add(xc.mul(vb)).add(vc).intoArray(gx, off + j);
                }
                for (; j < hw; j++) gx[off + j] = gy[off + j] * a + (x[off + j] - mean[ng]) * b + cst;
            }
        });
        for (int ch = 0; ch < c; ch++) {
            double sg = 0, sgx = 0;
            for (int i = 0; i < n; i++) {
                sg += s0[i * c + ch];
                sgx += s1[i * c + ch] * rstd[i * groups + ch / cpg];
            }
            ggamma[ch] = (float) sgx;
            gbeta[ch] = (float) sg;
        }
    }

    /** s0[slot] = Σ gy, s1[slot] = Σ gy·(x − mu) over [off, off+len): float lanes per block of 1024, blocks added in double. */
    private static void channelSums(float[] gy, float[] x, int off, int len, float mu, double[] s0, double[] s1, int slot) {
        final int block = 1024;
        FloatVector vmu = FloatVector.broadcast(S, mu);
        double t0 = 0, t1 = 0;
        for (int b0 = 0; b0 < len; b0 += block) {
            int end = Math.min(len, b0 + block), j = b0;
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
            for (int vend = b0 + S.loopBound(end - b0); j < vend; j += S.length()) {
                FloatVector g = FloatVector.fromArray(S, gy, off + j);
                a0 = a0.add(g);
                a1 = a1.add(g.mul(FloatVector.fromArray(S, x, off + j).sub(vmu)));
            }
            t0 += VectorMath.sumLanes(a0);
            t1 += VectorMath.sumLanes(a1);
            for (; j < end; j++) {
                t0 += gy[off + j];
                t1 += (double) gy[off + j] * (x[off + j] - mu);
            }
        }
        s0[slot] = t0;
        s1[slot] = t1;
    }
}
