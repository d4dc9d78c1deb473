package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Stride-1 convolutions from few input channels or to one output channel (a UNet's conv_in from
 * 1 or 3 channels, a one-channel model's conv_out), directly: each output vector of 16 pixels
 * sums ci·kh·kw shifted rows of the padded input, one weight each, four output rows at a time.
 * As a GEMM, one output channel filled a quarter of the 4-row tiles, and a K of 9 or 27 left the
 * tiles' fixed costs to dominate. Two threads, per call: digits UNet conv_in at batch 8 0.09 ms
 * against 0.19, at batch 40 0.47 against 1.22; its conv_out 0.10 against 0.16 and 0.51 against
 * 0.71; CIFAR-10 conv_in (3 → 128, batch 8) 0.75 against 1.17. Not for CIFAR-10's conv_out
 * (128 → 3): there the GEMM's tiles are three quarters full and K is long (1.03 against 0.75).
 */
final class CpuFewChannelConv {
    private CpuFewChannelConv() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Input channels up to which this path is faster than the GEMM whatever the output channels. */
    static final int MAX_IN_CHANNELS = 4;
    /** Output rows per step: four independent sums hide the FMA's latency; one alone waited on it. */
    private static final int ROWS = 4;
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][0]);

    static boolean applies(CpuConv2d.Dims d) {
        return d.g().stride() == 1 && (d.ci() <= MAX_IN_CHANNELS || d.co() == 1);
    }

    /** out = the convolution of x with w (+ bias); one task per image and output channel. */
    static void forward(float[] x, float[] w, float[] bias, CpuConv2d.Dims d, float[] out, ArrayPool pool) {
        CpuConv2d.Padded padded = CpuConv2d.Padded.of(x, d, pool);
        float[] xp = padded.xp();
        int[] tap = padded.rowBase();  // tap k = (c, ky, kx) of the weight at xp[image + tap[k] + oy·wq + ox]
        int ci = d.ci(), co = d.co(), k = d.k(), ho = d.ho(), wo = d.wo();
        int wq = padded.wq(), channel = padded.channelSize(), vectors = (wo + L - 1) / L;
        Parallel.forEach(d.n() * co, task -> {
            int n = task / co, o = task % co, image = n * ci * channel, w0 = o * k;
            float[][] held = ROW.get();
            if (held[0].length < ROWS * vectors * L) held[0] = new float[ROWS * vectors * L];
            float[] row = held[0];
            float b = bias == null ? 0f : bias[o];
            int dst = (n * co + o) * ho * wo;
            for (int oy = 0; oy < ho; oy += ROWS) {
                int rows = Math.min(ROWS, ho - oy);
                for (int v = 0; v < vectors; v++)  // the last vector reads past a row's end: into the next row, or the copy's tail slack
                    if (rows == ROWS) fourRows(xp, image + oy * wq + v * L, wq, tap, w, w0, k, b, row, v * L, vectors * L);
                    else for (int r = 0; r < rows; r++) oneRow(xp, image + (oy + r) * wq + v * L, tap, w, w0, k, b, row, r * vectors * L + v * L);
                for (int r = 0; r < rows; r++) System.arraycopy(row, r * vectors * L, out, dst + (oy + r) * wo, wo);
            }
        });
        pool.give(xp);
    }

    /** One vector of four output rows, wq apart in the input, into out[at…], out[at + stride…], …. */
    private static void fourRows(float[] xp, int at, int wq, int[] tap, float[] w, int w0, int k, float b, float[] out, int to, int stride) {
        FloatVector a0 = FloatVector.broadcast(S, b), a1 = a0, a2 = a0, a3 = a0;
        int at1 = at + wq, at2 = at1 + wq, at3 = at2 + wq;
        if (Gemm.USE_FMA) {
            for (int kk = 0; kk < k; kk++) {
                FloatVector wv = FloatVector.broadcast(S, w[w0 + kk]);
                int t = tap[kk];
                a0 = FloatVector.fromArray(S, xp, at + t).fma(wv, a0);
                a1 = FloatVector.fromArray(S, xp, at1 + t).fma(wv, a1);
                a2 = FloatVector.fromArray(S, xp, at2 + t).fma(wv, a2);
                a3 = FloatVector.fromArray(S, xp, at3 + t).fma(wv, a3);
            }
        } else {
            for (int kk = 0; kk < k; kk++) {
                FloatVector wv = FloatVector.broadcast(S, w[w0 + kk]);
                int t = tap[kk];
                a0 = a0.add(FloatVector.fromArray(S, xp, at + t).mul(wv));
                a1 = a1.add(FloatVector.fromArray(S, xp, at1 + t).mul(wv));
                a2 = a2.add(FloatVector.fromArray(S, xp, at2 + t).mul(wv));
                a3 = a3.add(FloatVector.fromArray(S, xp, at3 + t).mul(wv));
            }
        }
        a0.intoArray(out, to);
        a1.intoArray(out, to + stride);
        a2.intoArray(out, to + 2 * stride);
        a3.intoArray(out, to + 3 * stride);
    }

    /** One vector of one output row into out[to…]. */
    private static void oneRow(float[] xp, int at, int[] tap, float[] w, int w0, int k, float b, float[] out, int to) {
        FloatVector a = FloatVector.broadcast(S, b);
        if (Gemm.USE_FMA) {
            for (int kk = 0; kk < k; kk++) a = FloatVector.fromArray(S, xp, at + tap[kk]).fma(FloatVector.broadcast(S, w[w0 + kk]), a);
        } else {
            for (int kk = 0; kk < k; kk++) a = a.add(FloatVector.fromArray(S, xp, at + tap[kk]).mul(w[w0 + kk]));
        }
        a.intoArray(out, to);
    }
}
