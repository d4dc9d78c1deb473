package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * silu(group norm(x)) for x blocked by L channels ([n][c / L][h][w][L], as a Winograd
 * convolution writes it with a blocked output), written straight into the zero-padded blocked
 * layout the next Winograd convolution reads ({@link CpuWinograd.PaddedInput}): neither tensor
 * is ever scattered into or gathered out of NCHW. The statistics are {@link CpuGroupNorm}'s
 * (biased variance; each channel's values shifted by a first value and summed in float lanes
 * per block of at most 64 pixels, blocks and then a group's channels combined in double by
 * Chan's formula), in another order of summation, so the result agrees with it to rounding.
 */
final class CpuBlockedGroupNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Pixels per float block: each lane then sums as many values as a lane of CpuGroupNorm.moments does. */
    private static final int BLOCK = 64;

    private CpuBlockedGroupNorm() {}

    static void siluIntoPadded(float[] x, float[] gamma, float[] beta, int n, int c, int h, int w, int groups, float eps,
                               float[] xb, CpuWinograd.PaddedInput into) {
        intoPadded(x, gamma, beta, n, c, h, w, groups, eps, true, xb, into);
    }

    /** Group norm of blocked x, then SiLU when {@code silu}, into the layout {@code into} (which may have no padding). */
    static void intoPadded(float[] x, float[] gamma, float[] beta, int n, int c, int h, int w, int groups, float eps, boolean silu,
                           float[] xb, CpuWinograd.PaddedInput into) {
        if (c % L != 0 || c % groups != 0 || into.blocks() != c / L)
            throw new IllegalArgumentException(c + " channels, " + groups + " groups, " + into.blocks() + " blocks of " + L);
        int blocks = c / L, hw = h * w, cpg = c / groups;
        double[] mean = new double[n * c], m2 = new double[n * c];
        Parallel.forEach(n * blocks, job -> channelMoments(x, job * hw * L, hw, mean, m2, job * L));
        // per image and channel: y = x·a + b with a = rstd·γ, b = β − a·μ of the channel's group
        float[] a = new float[n * c], b = new float[n * c];
        for (int ng = 0; ng < n * groups; ng++) {
            double count = 0, mu = 0, sq = 0;
            for (int k = ng * cpg; k < (ng + 1) * cpg; k++) {  // Chan: channel k's hw values join the group's
                double delta = mean[k] - mu, total = count + hw;
                mu += delta * hw / total;
                sq += m2[k] + delta * delta * count * hw / total;
                count = total;
            }
            float fm = (float) mu, fr = CpuGroupNorm.rstd(sq / count, eps);
            for (int k = ng * cpg; k < (ng + 1) * cpg; k++) {
                int ch = k % c;
                a[k] = fr * gamma[ch];
                b[k] = beta[ch] - a[k] * fm;
            }
        }
        int row = into.wp() * L, plane = into.plane();
        Parallel.forEach(n * blocks, job -> {
            int at = job * plane, src = job * hw * L;
            FloatVector va = FloatVector.fromArray(S, a, job * L), vb = FloatVector.fromArray(S, b, job * L);
            into.zeroBorder(xb, at, h, w);
            for (int iy = 0; iy < h; iy++) {
                int first = at + (iy + into.padTop()) * row + into.padLeft() * L, end = first + w * L;
                for (int i = first, j = src + iy * w * L; i < end; i += L, j += L)
                    FloatVector.fromArray(S, x, j).mul(va).add(vb).intoArray(xb, i);
                if (silu) CpuElementwise.silu(xb, xb, first, end);
            }
        });
    }

    /** A worker's L normalised channels ({@link #siluIntoPaddedFromNchw}). */
    private static final ThreadLocal<float[][]> CHANNELS = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * silu(group norm(x)) for x in NCHW, into the zero-padded blocked layout of the convolution
     * that reads it, as {@link CpuGroupNorm#forward} computes it (the same statistics and
     * normalisation; the SiLU runs over other spans, so a value may differ in its last bit): a
     * task takes one image's block of L channels, normalises them into a per-thread buffer and
     * copies them into the layout from there. Before, the group norm wrote an NCHW tensor and the
     * convolution copied it into the layout. The groups must not straddle blocks (L a multiple of
     * c / groups), and c must be a multiple of L.
     */
    static void siluIntoPaddedFromNchw(float[] x, float[] gamma, float[] beta, int n, int c, int h, int w, int groups, float eps,
                                       float[] xb, CpuWinograd.PaddedInput into) {
        int cpg = c / groups, hw = h * w, blocks = c / L;
        if (c % L != 0 || c % groups != 0 || L % cpg != 0 || into.blocks() != blocks)
            throw new IllegalArgumentException(c + " channels, " + groups + " groups, " + into.blocks() + " blocks of " + L);
        int plane = into.plane();
        Parallel.forEach(n * blocks, job -> {
            float[][] held = CHANNELS.get();
            if (held[0].length < L * hw) held[0] = new float[L * hw];
            float[] buf = held[0];
            int c0 = job % blocks * L, imageBase = job / blocks * c * hw;
            for (int g0 = c0; g0 < c0 + L; g0 += cpg) {
                int base = imageBase + g0 * hw;
                double[] moments = CpuGroupNorm.moments(x, base, cpg * hw);
                float mu = (float) moments[0], rstd = CpuGroupNorm.rstd(moments[1], eps);
                CpuGroupNorm.normalizeGroup(x, gamma, beta, mu, rstd, g0, cpg, hw, base, buf, (g0 - c0) * hw);
            }
            CpuElementwise.silu(buf, buf, 0, L * hw);
            into.copyIn(buf, 0, L, h, w, xb, job * plane);
        });
    }

    /**
     * Mean and sum of squared deviations of each of the L channels of one block of hw pixels at
     * x[at…] (one vector per pixel) into mean/m2[slot…slot+L).
     */
    private static void channelMoments(float[] x, int at, int hw, double[] mean, double[] m2, int slot) {
        float[] sum = new float[L], sq = new float[L], shift = new float[L];
        double count = 0;
        for (int p0 = 0; p0 < hw; p0 += BLOCK) {
            int len = Math.min(BLOCK, hw - p0), from = at + p0 * L;
            FloatVector vs = FloatVector.fromArray(S, x, from), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S);
            for (int i = from, end = from + len * L; i < end; i += L) {
                FloatVector d = FloatVector.fromArray(S, x, i).sub(vs);
                s1 = s1.add(d);
                s2 = s2.add(d.mul(d));
            }
            vs.intoArray(shift, 0);
            s1.intoArray(sum, 0);
            s2.intoArray(sq, 0);
            for (int k = 0; k < L; k++) {
                double s = sum[k], bMean = shift[k] + s / len, bM2 = Math.max(0, sq[k] - s * s / len);
                double delta = bMean - mean[slot + k], total = count + len;
                mean[slot + k] += delta * len / total;
                m2[slot + k] += bM2 + delta * delta * count * len / total;
            }
            count += len;
        }
    }
}
