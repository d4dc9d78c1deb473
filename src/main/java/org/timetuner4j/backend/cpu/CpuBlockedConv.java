package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.timetuner4j.backend.Conv2dGeometry;

/**
 * A convolution of any kernel size, stride and padding on channel-blocked tensors: x is
 * [n][ci / L][h][w][L] (one vector holds one pixel of L channels), the output
 * [n][co / L][ho][wo][L]. Per image it is one GEMM over the output pixels,
 * out[p][o] = b[o] + Σ_{tap, c} x[input pixel of p under tap][c] · w[o][c][tap], with x read in
 * place: a pixel's L channels of one block are contiguous, so a row of the implicit im2col
 * matrix is a run of L values and nothing is gathered or packed. The weights are packed once
 * into panels of 2L output channels. A tile is 6 output pixels × 2L channels (12 accumulators
 * that start at the bias); a task takes a run of pixels across every panel, so its input stays
 * in cache while the panels pass. A padded input is first copied with its zero border. The UNet
 * runs its 1×1 shortcuts and its stride-2 downsampling convolutions this way when its residual
 * stream stays blocked ({@link CpuChannelBlocked}).
 */
final class CpuBlockedConv {
    private CpuBlockedConv() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), NR = 2 * L, MR = 6;
    /** Vector FMA is emulated in software on CPUs without it: there, multiply and add (a constant, so C2 keeps one branch). */
    private static final boolean FMA = Gemm.USE_FMA;
    /** Output pixels per task, a multiple of MR. */
    private static final int PIXELS_PER_TASK = 96;

    /**
     * Sizes of one blocked convolution. With {@code inputNhwc} x is [n][h][w][ci] instead
     * (pixel-major: a pixel's channels contiguous; 1×1 without padding only), with
     * {@code outputNhwc} the output is [n][ho][wo][co]: attention's projections read and write
     * that layout, which its matrix products take as it is.
     */
    record Dims(int n, int ci, int h, int w, int co, int kh, int kw, Conv2dGeometry g, boolean inputNhwc, boolean outputNhwc) {
        Dims {
            if (ci % L != 0 || co % L != 0)
                throw new IllegalArgumentException("blocked convolution needs multiples of " + L + " channels, got " + ci + " → " + co);
            if (inputNhwc && (kh != 1 || kw != 1 || padded(g)))
                throw new IllegalArgumentException("a pixel-major input is for 1×1 convolutions without padding");
        }
        Dims(int n, int ci, int h, int w, int co, int kh, int kw, Conv2dGeometry g) { this(n, ci, h, w, co, kh, kw, g, false, false); }
        int ho() { return g.outHeight(h, kh); }
        int wo() { return g.outWidth(w, kw); }
        int hp() { return h + g.padTop() + g.padBottom(); }
        int wp() { return w + g.padLeft() + g.padRight(); }
        boolean padded() { return padded(g); }
        private static boolean padded(Conv2dGeometry g) { return g.padTop() + g.padBottom() + g.padLeft() + g.padRight() > 0; }
        /** Rows of the GEMM's K: taps × input channels, tap-major. */
        int k() { return kh * kw * ci; }
        /** Distance between neighbouring input pixels. */
        int inputPixel() { return inputNhwc ? ci : L; }
        /** Distance between neighbouring output pixels. */
        int outputPixel() { return outputNhwc ? co : L; }
        /** Distance between neighbouring blocks of L output channels. */
        int outputBlock() { return outputNhwc ? L : ho() * wo() * L; }
    }

    /**
     * out = the convolution d of x with w ([co][ci][kh][kw]) + bias (may be null) + residual
     * (null, or values in the output's layout).
     */
    static void forward(float[] x, float[] w, float[] bias, Dims d, float[] out, float[] residual, ArrayPool pool) {
        int image = d.hp() * d.wp() * d.ci(), blocks = d.ci() / L, plane = d.hp() * d.wp() * L;
        float[] xp = d.padded() ? pool.take(d.n() * image) : x;
        if (d.padded()) Parallel.forEach(d.n() * blocks, job -> copyPadded(x, job * d.h() * d.w() * L, d, xp, job * plane));
        float[] panels = KeptWeights.get(w, KeptWeights.key("blocked panels", d.co(), d.ci(), d.kh(), d.kw()), () -> pack(w, d), p -> 4L * p.length);
        float[] b = new float[ceilDiv(d.co(), NR) * NR];
        if (bias != null) System.arraycopy(bias, 0, b, 0, d.co());
        int[] rows = rowOffsets(d);
        int pixels = d.ho() * d.wo(), chunks = Math.max(1, ceilDiv(pixels, PIXELS_PER_TASK));
        if (chunks > 1 && pixels - (chunks - 1) * PIXELS_PER_TASK < MR) chunks--;  // the last run keeps at least one whole tile
        int perImage = chunks;
        Parallel.forEach(d.n() * perImage, task -> {
            int i = task / perImage, p0 = task % perImage * PIXELS_PER_TASK;
            int p1 = task % perImage == perImage - 1 ? pixels : p0 + PIXELS_PER_TASK;
            run(xp, i * image, rows, panels, b, d, p0, p1, out, residual, i * d.co() * pixels);
        });
        if (d.padded()) pool.give(xp);
    }

    /** One image's plane of L channels at x[from…] into its zero-padded place at xp[at…]. */
    private static void copyPadded(float[] x, int from, Dims d, float[] xp, int at) {
        int h = d.h(), w = d.w(), wp = d.wp(), row = wp * L, top = d.g().padTop(), left = d.g().padLeft();
        java.util.Arrays.fill(xp, at, at + top * row, 0f);
        for (int y = 0; y < h; y++) {
            int r = at + (top + y) * row;
            java.util.Arrays.fill(xp, r, r + left * L, 0f);
            System.arraycopy(x, from + y * w * L, xp, r + left * L, w * L);
            java.util.Arrays.fill(xp, r + (left + w) * L, r + row, 0f);
        }
        java.util.Arrays.fill(xp, at + (top + h) * row, at + d.hp() * row, 0f);
    }

    /** Panel q's row r (tap t = ky·kw + kx, channel c; r = t·ci + c) at ((q·K + r)·2L …), lanes past co zero. */
    private static float[] pack(float[] w, Dims d) {
        int co = d.co(), ci = d.ci(), taps = d.kh() * d.kw(), k = d.k(), panels = ceilDiv(co, NR);
        float[] p = new float[panels * k * NR];
        for (int o = 0; o < co; o++)
            for (int c = 0; c < ci; c++)
                for (int t = 0; t < taps; t++)
                    p[((o / NR) * k + t * ci + c) * NR + o % NR] = w[(o * ci + c) * taps + t];
        return p;
    }

    /** Output pixels [p0, p1) of one image (its padded input at xp[in…], its output at out[o…]), every panel. */
    private static void run(float[] xp, int in, int[] rows, float[] panels, float[] b, Dims d, int p0, int p1, float[] out, float[] residual, int o) {
        int wo = d.wo(), s = d.g().stride(), ip = d.inputPixel(), row = d.wp() * ip, op = d.outputPixel(), outBlocks = d.co() / L;
        int[] at = new int[MR];
        for (int q = 0; q < ceilDiv(d.co(), NR); q++) {
            boolean second = 2 * q + 1 < outBlocks;  // the panel's upper L channels exist
            int o0 = o + 2 * q * d.outputBlock(), o1 = second ? o0 + d.outputBlock() : o0;
            if (p1 - p0 < MR) {
                for (int p = p0; p < p1; p++)
                    pixel(xp, in + (p / wo * s) * row + (p % wo * s) * ip, rows, panels, b, q, out, residual, o0 + p * op, o1 + p * op, second);
                continue;
            }
            for (int t = p0; t < p1; t += MR) {
                int p = Math.min(t, p1 - MR);  // the last tile may overlap the one before: it writes the same values
                for (int r = 0; r < MR; r++) at[r] = in + ((p + r) / wo * s) * row + ((p + r) % wo * s) * ip;
                tile(xp, at, rows, panels, b, q, out, residual, o0 + p * op, o1 + p * op, op, second);
            }
        }
    }

    /**
     * Where row r of the GEMM's K (tap ky·kw + kx, channel c; r = tap·ci + c) reads x relative to
     * the input pixel under the kernel's corner: one table, so that the tile's sum is a single
     * loop (with a loop per tap, block and lane, C2 kept the accumulators in memory: 6× slower).
     */
    private static int[] rowOffsets(Dims d) {
        int ci = d.ci(), ip = d.inputPixel(), row = d.wp() * ip, plane = d.hp() * d.wp() * L;
        int[] at = new int[d.k()];
        for (int ky = 0, r = 0; ky < d.kh(); ky++)
            for (int kx = 0; kx < d.kw(); kx++)
                for (int c = 0; c < ci; c++, r++) at[r] = ky * row + kx * ip + (d.inputNhwc() ? c : c / L * plane + c % L);
        return at;
    }

    private static void tile(float[] x, int[] at, int[] rows, float[] panels, float[] b, int q, float[] out, float[] residual,
                             int o0, int o1, int op, boolean second) {
        FloatVector bv0 = FloatVector.fromArray(S, b, q * NR), bv1 = FloatVector.fromArray(S, b, q * NR + L);
        FloatVector c00 = bv0, c01 = bv1, c10 = bv0, c11 = bv1, c20 = bv0, c21 = bv1;
        FloatVector c30 = bv0, c31 = bv1, c40 = bv0, c41 = bv1, c50 = bv0, c51 = bv1;
        int a0 = at[0], a1 = at[1], a2 = at[2], a3 = at[3], a4 = at[4], a5 = at[5], k = rows.length;
        for (int r = 0, wr = q * k * NR; r < k; r++, wr += NR) {
            FloatVector w0 = FloatVector.fromArray(S, panels, wr), w1 = FloatVector.fromArray(S, panels, wr + L);
            int e = rows[r];
            FloatVector x0 = FloatVector.broadcast(S, x[a0 + e]);
            c00 = FMA ? x0.fma(w0, c00) : c00.add(x0.mul(w0));
            c01 = FMA ? x0.fma(w1, c01) : c01.add(x0.mul(w1));
            FloatVector x1 = FloatVector.broadcast(S, x[a1 + e]);
            c10 = FMA ? x1.fma(w0, c10) : c10.add(x1.mul(w0));
            c11 = FMA ? x1.fma(w1, c11) : c11.add(x1.mul(w1));
            FloatVector x2 = FloatVector.broadcast(S, x[a2 + e]);
            c20 = FMA ? x2.fma(w0, c20) : c20.add(x2.mul(w0));
            c21 = FMA ? x2.fma(w1, c21) : c21.add(x2.mul(w1));
            FloatVector x3 = FloatVector.broadcast(S, x[a3 + e]);
            c30 = FMA ? x3.fma(w0, c30) : c30.add(x3.mul(w0));
            c31 = FMA ? x3.fma(w1, c31) : c31.add(x3.mul(w1));
            FloatVector x4 = FloatVector.broadcast(S, x[a4 + e]);
            c40 = FMA ? x4.fma(w0, c40) : c40.add(x4.mul(w0));
            c41 = FMA ? x4.fma(w1, c41) : c41.add(x4.mul(w1));
            FloatVector x5 = FloatVector.broadcast(S, x[a5 + e]);
            c50 = FMA ? x5.fma(w0, c50) : c50.add(x5.mul(w0));
            c51 = FMA ? x5.fma(w1, c51) : c51.add(x5.mul(w1));
        }
        if (residual != null) {
            c00 = c00.add(FloatVector.fromArray(S, residual, o0));
            c10 = c10.add(FloatVector.fromArray(S, residual, o0 + op));
            c20 = c20.add(FloatVector.fromArray(S, residual, o0 + 2 * op));
            c30 = c30.add(FloatVector.fromArray(S, residual, o0 + 3 * op));
            c40 = c40.add(FloatVector.fromArray(S, residual, o0 + 4 * op));
            c50 = c50.add(FloatVector.fromArray(S, residual, o0 + 5 * op));
        }
        c00.intoArray(out, o0);
        c10.intoArray(out, o0 + op);
        c20.intoArray(out, o0 + 2 * op);
        c30.intoArray(out, o0 + 3 * op);
        c40.intoArray(out, o0 + 4 * op);
        c50.intoArray(out, o0 + 5 * op);
        if (!second) return;
        if (residual != null) {
            c01 = c01.add(FloatVector.fromArray(S, residual, o1));
            c11 = c11.add(FloatVector.fromArray(S, residual, o1 + op));
            c21 = c21.add(FloatVector.fromArray(S, residual, o1 + 2 * op));
            c31 = c31.add(FloatVector.fromArray(S, residual, o1 + 3 * op));
            c41 = c41.add(FloatVector.fromArray(S, residual, o1 + 4 * op));
            c51 = c51.add(FloatVector.fromArray(S, residual, o1 + 5 * op));
        }
        c01.intoArray(out, o1);
        c11.intoArray(out, o1 + op);
        c21.intoArray(out, o1 + 2 * op);
        c31.intoArray(out, o1 + 3 * op);
        c41.intoArray(out, o1 + 4 * op);
        c51.intoArray(out, o1 + 5 * op);
    }

    /** One output pixel of panel q (images with fewer pixels than a tile). */
    private static void pixel(float[] x, int a, int[] rows, float[] panels, float[] b, int q, float[] out, float[] residual,
                              int o0, int o1, boolean second) {
        FloatVector c0 = FloatVector.fromArray(S, b, q * NR), c1 = FloatVector.fromArray(S, b, q * NR + L);
        for (int r = 0, wr = q * rows.length * NR; r < rows.length; r++, wr += NR) {
            FloatVector xv = FloatVector.broadcast(S, x[a + rows[r]]);
            FloatVector w0 = FloatVector.fromArray(S, panels, wr), w1 = FloatVector.fromArray(S, panels, wr + L);
            c0 = FMA ? xv.fma(w0, c0) : c0.add(xv.mul(w0));
            c1 = FMA ? xv.fma(w1, c1) : c1.add(xv.mul(w1));
        }
        if (residual != null) c0 = c0.add(FloatVector.fromArray(S, residual, o0));
        c0.intoArray(out, o0);
        if (!second) return;
        if (residual != null) c1 = c1.add(FloatVector.fromArray(S, residual, o1));
        c1.intoArray(out, o1);
    }

    private static int ceilDiv(int v, int m) { return (v + m - 1) / m; }
}
