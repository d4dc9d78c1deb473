package org.timetuner4j.backend.cpu;

import org.timetuner4j.backend.Conv2dGeometry;

/**
 * 2-D convolution (cross-correlation) as GEMM over im2col columns: forward, grad-input,
 * grad-weight, grad-bias. Work is split so that no two tasks write the same output, which keeps
 * every result deterministic for any thread count.
 */
final class CpuConv2d {
    private CpuConv2d() {}

    /** Columns per forward task: big enough for the GEMM, small enough to split the work. */
    private static final int COLUMN_CHUNK = 256;
    private static final ThreadLocal<float[][]> COLS = ThreadLocal.withInitial(() -> new float[1][0]);

    /** Sizes of one convolution, derived once. */
    record Dims(int n, int ci, int h, int w, int co, int kh, int kw, int ho, int wo, Conv2dGeometry g) {
        int k() { return ci * kh * kw; }
        int p() { return ho * wo; }
        /** 1×1, stride 1, no padding: the input is already the column matrix. */
        boolean pointwise() {
            return kh == 1 && kw == 1 && g.stride() == 1 && g.padTop() == 0 && g.padLeft() == 0
                    && g.padBottom() == 0 && g.padRight() == 0;
        }
    }

    static float[] buffer(int size) {
        float[][] holder = COLS.get();
        if (holder[0].length < size) holder[0] = new float[size];
        return holder[0];
    }

    /**
     * Writes rows [c0·kh·kw, (c0+cc)·kh·kw) and the columns of output rows [oy0, oy0+rows) of
     * image n's column matrix into dst (row-major, rows·wo columns). Whole output rows at a time,
     * so each stretch of in-range input is one bulk copy.
     */
    static void im2col(float[] x, Dims d, int n, int c0, int cc, int oy0, int rows, float[] dst) {
        int s = d.g().stride(), pt = d.g().padTop(), pl = d.g().padLeft();
        int w = d.w(), h = d.h(), wo = d.wo();
        int idx = 0;
        for (int c = c0; c < c0 + cc; c++) {
            int plane = (n * d.ci() + c) * h * w;
            for (int ky = 0; ky < d.kh(); ky++) {
                for (int kx = 0; kx < d.kw(); kx++) {
                    // output columns whose input column ox·s + kx − pl lies inside [0, w)
                    int oxLo = Math.max(0, ceilDiv(pl - kx, s));
                    int oxHi = Math.min(wo, ceilDiv(w + pl - kx, s));
                    if (oxHi < oxLo) oxHi = oxLo;
                    for (int oy = oy0; oy < oy0 + rows; oy++, idx += wo) {
                        int iy = oy * s + ky - pt;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(dst, idx, idx + wo, 0f);
                            continue;
                        }
                        for (int ox = 0; ox < oxLo; ox++) dst[idx + ox] = 0f;
                        int src = plane + iy * w + oxLo * s + kx - pl;
                        if (s == 1) {
                            System.arraycopy(x, src, dst, idx + oxLo, oxHi - oxLo);
                        } else {
                            for (int ox = oxLo; ox < oxHi; ox++, src += s) dst[idx + ox] = x[src];
                        }
                        for (int ox = oxHi; ox < wo; ox++) dst[idx + ox] = 0f;
                    }
                }
            }
        }
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    /** Adds the column matrix rows of channels [c0, c0+cc) (all P columns) back into image n. */
    static void col2imAdd(float[] cols, Dims d, int n, int c0, int cc, float[] gx) {
        int s = d.g().stride(), pt = d.g().padTop(), pl = d.g().padLeft();
        int w = d.w(), h = d.h(), wo = d.wo(), ho = d.ho();
        int idx = 0;
        for (int c = c0; c < c0 + cc; c++) {
            int plane = (n * d.ci() + c) * h * w;
            for (int ky = 0; ky < d.kh(); ky++) {
                for (int kx = 0; kx < d.kw(); kx++) {
                    // output columns whose input column ox·s + kx − pl lies inside [0, w)
                    int oxLo = Math.max(0, ceilDiv(pl - kx, s));
                    int oxHi = Math.max(oxLo, Math.min(wo, ceilDiv(w + pl - kx, s)));
                    for (int oy = 0; oy < ho; oy++, idx += wo) {
                        int iy = oy * s + ky - pt;
                        if (iy < 0 || iy >= h) continue;
                        int dst = plane + iy * w + oxLo * s + kx - pl;
                        for (int ox = oxLo; ox < oxHi; ox++, dst += s) gx[dst] += cols[idx + ox];
                    }
                }
            }
        }
    }

    /** {@code pool} lends the padded copy of the input (large, and needed once per call). */
    static void forward(float[] x, float[] w, float[] bias, Dims d, float[] out, ArrayPool pool) {
        if (CpuWinograd.applies(d)) CpuWinograd.forward(x, w, false, bias, d, out, pool);
        else if (CpuFewChannelConv.applies(d)) CpuFewChannelConv.forward(x, w, bias, d, out, pool);
        else forwardDirect(x, w, bias, d, out, pool);
    }

    private static long bytes(Gemm.PackedA p) { return 4L * p.data().length; }

    /** The forward as one GEMM over (implicit) im2col columns, for every geometry. */
    static void forwardDirect(float[] x, float[] w, float[] bias, Dims d, float[] out, ArrayPool pool) {
        int p = d.p(), k = d.k(), co = d.co(), wo = d.wo();
        int rowsPerChunk = Math.max(1, Math.min(d.ho(), COLUMN_CHUNK / wo));
        int chunks = (d.ho() + rowsPerChunk - 1) / rowsPerChunk;
        Gemm.PackedA packed = KeptWeights.get(w, KeptWeights.key("packed rows", co, k), () -> Gemm.pack(false, co, k, w, 0, k), CpuConv2d::bytes);
        if (d.pointwise()) {
            forwardPointwise(x, packed, bias, d, out);
            return;
        }
        Padded padded = Padded.of(x, d, pool);
        Parallel.forEach(d.n() * chunks, task -> {
            int n = task / chunks, oy0 = (task % chunks) * rowsPerChunk;
            int rows = Math.min(rowsPerChunk, d.ho() - oy0);
            int p0 = oy0 * wo, pc = rows * wo;
            int outBase = n * co * p;
            for (int o = 0; o < co; o++) {
                float b = bias == null ? 0f : bias[o];
                java.util.Arrays.fill(out, outBase + o * p + p0, outBase + o * p + p0 + pc, b);
            }
            padded.addRows(n, oy0, rows, packed, out, outBase);
        });
        pool.give(padded.xp());
    }

    /**
     * A 1×1 convolution: per image, out[co×p] = w[co×ci] · x[ci×p] (+ bias). Tasks take runs of
     * pixels a whole number of GEMM panels wide, not of whole image rows: a ragged panel goes
     * through a scratch tile, and runs of nine 28-pixel rows left one in every task.
     */
    private static void forwardPointwise(float[] x, Gemm.PackedA packed, float[] bias, Dims d, float[] out) {
        int p = d.p(), k = d.k(), co = d.co(), nr = Gemm.panelWidth();
        int perRun = Math.min(p, ceilDiv(ceilDiv(p, ceilDiv(p, COLUMN_CHUNK)), nr) * nr), runs = ceilDiv(p, perRun);
        Parallel.forEach(d.n() * runs, task -> {
            int n = task / runs, p0 = task % runs * perRun, pc = Math.min(perRun, p - p0), outBase = n * co * p;
            for (int o = 0; o < co; o++)
                java.util.Arrays.fill(out, outBase + o * p + p0, outBase + o * p + p0 + pc, bias == null ? 0f : bias[o]);
            Gemm.gemm(packed, false, pc, x, n * k * p + p0, p, out, outBase + p0, p);
        });
    }

    /**
     * The input with its zero padding written out and split into stride × stride phases, so that
     * every row of the implicit im2col matrix is a run of memory the GEMM reads in place: phase
     * (py, px) of channel c holds the padded pixels (i·s + py, j·s + px) as a hq × wq plane, and
     * column (oy, ox) of row (c, ky, kx), padded pixel (oy·s + ky, ox·s + kx), is then
     * xp[plane of c, phase (ky mod s, kx mod s)][oy + ky / s][ox + kx / s]. Over the phase width
     * wq, output rows oy0… of one row are contiguous; columns with ox ≥ wo are computed and
     * dropped. Stride 1 has one phase, the padded image itself. Before phases, a stride-2
     * convolution gathered its columns one value at a time.
     */
    record Padded(float[] xp, Dims d, int channelSize, int wq, int[] rowBase) {
        static Padded of(float[] x, Dims d, ArrayPool pool) {
            Conv2dGeometry g = d.g();
            int s = g.stride(), h = d.h(), w = d.w(), pt = g.padTop(), pl = g.padLeft();
            int hp = h + pt + g.padBottom(), wp = w + pl + g.padRight(), hq = ceilDiv(hp, s), wq = ceilDiv(wp, s);
            int phase = hq * wq, channelSize = s * s * phase, planes = d.n() * d.ci();
            // tail slack: the GEMM reads up to a panel past the last row it uses
            float[] xp = pool.take(planes * channelSize + wq + 2 * Gemm.panelWidth());  // recycled: every value is written
            Parallel.forEach(planes, plane -> {
                int src = plane * h * w, base = plane * channelSize;
                if (s == 1) {
                    java.util.Arrays.fill(xp, base, base + pt * wp, 0f);
                    for (int y = 0; y < h; y++) {
                        int row = base + (pt + y) * wp;
                        java.util.Arrays.fill(xp, row, row + pl, 0f);
                        System.arraycopy(x, src + y * w, xp, row + pl, w);
                        java.util.Arrays.fill(xp, row + pl + w, row + wp, 0f);
                    }
                    java.util.Arrays.fill(xp, base + (pt + h) * wp, base + hp * wp, 0f);
                    return;
                }
                java.util.Arrays.fill(xp, base, base + channelSize, 0f);
                for (int y = 0; y < h; y++) {
                    int py = y + pt, row = base + py % s * s * phase + py / s * wq, from = src + y * w;
                    for (int px0 = 0; px0 < s; px0++) {  // the input columns of phase column px0: every s-th, no division per value
                        int x0 = Math.floorMod(px0 - pl, s), to = row + px0 * phase + (x0 + pl) / s;
                        for (int xx = x0; xx < w; xx += s) xp[to++] = x[from + xx];
                    }
                }
            });
            java.util.Arrays.fill(xp, planes * channelSize, xp.length, 0f);
            int kk = d.kh() * d.kw();
            int[] rowBase = new int[d.k()];
            for (int c = 0; c < d.ci(); c++)
                for (int ky = 0; ky < d.kh(); ky++)
                    for (int kx = 0; kx < d.kw(); kx++)
                        rowBase[c * kk + ky * d.kw() + kx] = c * channelSize + (ky % s * s + kx % s) * phase + ky / s * wq + kx / s;
            return new Padded(xp, d, channelSize, wq, rowBase);
        }

        /** out (image n at outBase, holding the bias) += the convolution's output rows [oy0, oy0+rows). */
        void addRows(int n, int oy0, int rows, Gemm.PackedA packed, float[] out, int outBase) {
            int co = d.co(), wo = d.wo(), p = d.p(), cols = rows * wq;
            float[] tmp = buffer(co * cols);
            java.util.Arrays.fill(tmp, 0, co * cols, 0f);
            Gemm.gemmRows(packed, xp, n * d.ci() * channelSize + oy0 * wq, rowBase, cols, tmp, 0, cols);
            for (int o = 0; o < co; o++)
                for (int r = 0; r < rows; r++) {
                    int src = o * cols + r * wq, dst = outBase + o * p + (oy0 + r) * wo;
                    for (int ox = 0; ox < wo; ox++) out[dst + ox] += tmp[src + ox];
                }
        }
    }

    /** Channels per grad-input / grad-weight task. */
    private static int channelBlock(Dims d) {
        int tasksWanted = Parallel.threads() * 4;
        int perImage = Math.max(1, (tasksWanted + d.n() - 1) / d.n());
        return Math.max(1, (d.ci() + perImage - 1) / perImage);
    }

    /**
     * Whether {@link #backwardInput} runs as a forward convolution (stride 1, not 1×1, padding
     * under the kernel size), which writes every value of gx: then gx need not start zeroed.
     * Otherwise it adds into gx.
     */
    static boolean backwardInputWritesAll(Dims d) {
        Conv2dGeometry g0 = d.g();
        return g0.stride() == 1 && !d.pointwise() && Math.max(g0.padTop(), g0.padBottom()) < d.kh()
                && Math.max(g0.padLeft(), g0.padRight()) < d.kw();
    }

    /** gx = the input gradient; gx must hold zeros unless {@link #backwardInputWritesAll}. */
    static void backwardInput(float[] gout, float[] w, Dims d, float[] gx, ArrayPool pool) {
        if (backwardInputWritesAll(d)) {
            transposedForward(gout, w, d, gx, pool);
            return;
        }
        int p = d.p(), k = d.k(), co = d.co(), kk = d.kh() * d.kw();
        int cb = channelBlock(d);
        int blocks = (d.ci() + cb - 1) / cb;
        // wᵀ's rows for each channel block, packed once for all images and kept with w
        Gemm.PackedA[] wt = KeptWeights.get(w, KeptWeights.key("packed columns", d.ci(), co, kk, cb), () -> {
            Gemm.PackedA[] packed = new Gemm.PackedA[blocks];
            Parallel.forEach(blocks, b -> packed[b] = Gemm.pack(true, Math.min(cb, d.ci() - b * cb) * kk, co, w, b * cb * kk, k));
            return packed;
        }, packed -> java.util.Arrays.stream(packed).mapToLong(CpuConv2d::bytes).sum());
        Parallel.forEach(d.n() * blocks, task -> {
            int n = task / blocks, b = task % blocks, c0 = b * cb, cc = Math.min(cb, d.ci() - c0);
            if (d.pointwise()) {
                // gx[c, :] = Σ_o w[o, c] gout[o, :]
                Gemm.gemm(wt[b], false, p, gout, n * co * p, p, gx, (n * d.ci() + c0) * p, p);
            } else {
                float[] cols = buffer(cc * kk * p);
                Gemm.product(wt[b], false, p, gout, n * co * p, p, cols, 0, p);
                col2imAdd(cols, d, n, c0, cc, gx);
            }
        });
    }

    /**
     * For stride 1 the input gradient is itself a stride-1 convolution: of gout with the weights
     * transposed in (out, in) and rotated by 180°, padded by kernel − 1 − the forward padding.
     * So it runs on the fast forward path.
     */
    private static void transposedForward(float[] gout, float[] w, Dims d, float[] gx, ArrayPool pool) {
        int kh = d.kh(), kw = d.kw(), ci = d.ci(), co = d.co();
        Conv2dGeometry g = d.g();
        Conv2dGeometry t = new Conv2dGeometry(1, kh - 1 - g.padTop(), kh - 1 - g.padBottom(), kw - 1 - g.padLeft(), kw - 1 - g.padRight());
        Dims transposed = new Dims(d.n(), co, d.ho(), d.wo(), ci, kh, kw, d.h(), d.w(), t);
        if (CpuWinograd.applies(transposed)) {  // transposes and rotates w itself, and keeps the result
            CpuWinograd.forward(gout, w, true, null, transposed, gx, pool);
            return;
        }
        float[] flipped = KeptWeights.get(w, KeptWeights.key("flipped", co, ci, kh, kw), () -> {  // transposed in (out, in), rotated by 180°
            float[] f = new float[w.length];
            for (int o = 0; o < co; o++)
                for (int c = 0; c < ci; c++)
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++)
                            f[((c * co + o) * kh + (kh - 1 - ky)) * kw + (kw - 1 - kx)] = w[((o * ci + c) * kh + ky) * kw + kx];
            return f;
        }, f -> 4L * f.length);
        forwardDirect(gout, flipped, null, transposed, gx, pool);
    }

    /**
     * gw[o, (c,ky,kx)] = Σ_n gout_n[o, :] · cols_n[(c,ky,kx), :]ᵀ. Each image's gout is packed
     * once as the A operand and shared by every channel block; the columns are produced straight
     * into B's panels from x (an implicit, transposed im2col), so no column matrix is built.
     * Tasks own disjoint blocks of input channels and add images in order: deterministic.
     */
    static void backwardWeight(float[] x, float[] gout, Dims d, float[] gw) {
        if (CpuConvWeightGradient.applies(d)) {
            CpuConvWeightGradient.compute(x, gout, d, gw);
            return;
        }
        int p = d.p(), k = d.k(), co = d.co(), kk = d.kh() * d.kw();
        Gemm.PackedA[] a = new Gemm.PackedA[d.n()];
        Parallel.forEach(d.n(), n -> a[n] = Gemm.pack(false, co, p, gout, n * co * p, p));
        int cb = Math.max(1, (d.ci() + Parallel.threads() * 2 - 1) / (Parallel.threads() * 2));
        int blocks = (d.ci() + cb - 1) / cb;
        Parallel.forEach(blocks, blk -> {
            int c0 = blk * cb, cc = Math.min(cb, d.ci() - c0);
            for (int n = 0; n < d.n(); n++) {
                if (d.pointwise()) Gemm.gemm(a[n], true, cc, x, (n * d.ci() + c0) * p, p, gw, c0, k);
                else Gemm.gemm(a[n], columnsTransposed(x, d, n, c0), cc * kk, gw, c0 * kk, k);
            }
        });
    }

    /**
     * Image n's im2col matrix, transposed, as B panels: row = output position, column j =
     * (channel c0 + j / kk, ky, kx). Each column walks output rows, so its input reads are
     * contiguous for stride 1.
     */
    private static Gemm.PanelSource columnsTransposed(float[] x, Dims d, int n, int c0) {
        int s = d.g().stride(), pt = d.g().padTop(), pl = d.g().padLeft();
        int w = d.w(), h = d.h(), wo = d.wo(), kh = d.kh(), kw = d.kw(), nrMax = Gemm.panelWidth();
        return (pc, kc, j0, nc, dst) -> {
            for (int jj = 0; jj < (nc + nrMax - 1) / nrMax * nrMax; jj++) {
                int j = jj % nrMax, nr = Math.min(nrMax, nc - jj / nrMax * nrMax), at = Gemm.panelRow(jj / nrMax, 0, kc);
                if (j >= nr) {
                    for (int q = 0, idx = at + j; q < kc; q++, idx += nrMax) dst[idx] = 0f;
                    continue;
                }
                int col = j0 + jj, c = c0 + col / (kh * kw), r = col % (kh * kw), ky = r / kw, kx = r % kw;
                int plane = (n * d.ci() + c) * h * w;
                int pos = pc, end = pc + kc, idx = at + j;
                while (pos < end) {
                    int oy = pos / wo, ox = pos - oy * wo;
                    int run = Math.min(wo - ox, end - pos);
                    int iy = oy * s + ky - pt;
                    if (iy < 0 || iy >= h) {
                        for (int q = 0; q < run; q++, idx += nrMax) dst[idx] = 0f;
                    } else {
                        int row = plane + iy * w;
                        for (int q = 0; q < run; q++, idx += nrMax) {
                            int ix = (ox + q) * s + kx - pl;
                            dst[idx] = ix >= 0 && ix < w ? x[row + ix] : 0f;
                        }
                    }
                    pos += run;
                }
            }
        };
    }

    static void backwardBias(float[] gout, int n, int co, int p, float[] gb) {
        Parallel.forEach(co, o -> {
            double s = 0;
            for (int i = 0; i < n; i++) {
                int base = (i * co + o) * p;
                for (int j = 0; j < p; j++) s += gout[base + j];
            }
            gb[o] = (float) s;
        });
    }
}
