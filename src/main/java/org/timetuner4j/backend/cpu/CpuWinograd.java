package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 3×3 stride-1 convolution by Winograd's minimal filtering F(m×m, 3×3) (Lavin and Gray, 2016):
 * each m×m output tile comes from an α×α input tile (α = m + 2) with α² multiplies per channel
 * pair instead of 9m². In the transform domain the sum over input channels is, for each of the
 * α² positions ξ, one GEMM over the tiles of a task:
 * <pre>
 *   V_ξ = (Bᵀ d B)_ξ   [tiles×ci]      U_ξ = (G g Gᵀ)_ξ   [ci×co]      M_ξ = V_ξ · U_ξ   [tiles×co]
 *   y = Aᵀ M A  (m×m per tile)
 * </pre>
 * The transforms run on vectors of L channels (one vector holds one pixel of L channels), so
 * they use whole vectors whatever the image size; the input is copied once into that blocked,
 * zero-padded layout, and the output transform writes straight back into the NCHW output.
 * {@link WinogradF4} (4× fewer multiplies than the direct method) is the default for every
 * shape: where F(2×2) would need fewer products (images of 6×6 or less) those convolutions cost
 * little either way, and one tile per process keeps the JIT's code for the transforms
 * monomorphic. The transformed filters are kept between calls ({@link WinogradFilters}). Every
 * sum runs in a fixed order, so results do not depend on the thread count. F(4×4) rounds to a
 * few parts in a million of the layer's magnitude, F(2×2) to a few in ten million.
 * {@code -Dtimetuner.cpu.winograd=2x2} keeps every convolution on F(2×2) and {@code =off} on
 * the direct method.
 */
final class CpuWinograd {
    private CpuWinograd() {}

    private static final String MODE = System.getProperty("timetuner.cpu.winograd", "auto");
    static final boolean ENABLED = !"off".equals(MODE);
    private static final boolean ONLY_2X2 = "2x2".equals(MODE);
    /** Below this many channels (e.g. a UNet's RGB input or output conv) the transforms cost more than they save. */
    static final int MIN_CHANNELS = 8;
    /** Output values per task: with 64 channels V and M of a task about fill L2. */
    private static final int OUTPUTS_PER_TASK = 512;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), NR = Gemm.panelWidth();
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A worker's V, M, transform rows and one output tile. */
    private static final class Scratch {
        float[] v = new float[0], m = new float[0], rows = new float[0], tile = new float[0];

        Scratch ensure(int vSize, int mSize, int rowsSize, int tileSize) {
            if (v.length < vSize) v = new float[vSize];
            if (m.length < mSize) m = new float[mSize];
            if (rows.length < rowsSize) rows = new float[rowsSize];
            if (tile.length < tileSize) tile = new float[tileSize];
            return this;
        }
    }

    /** For {@code info}. */
    static String describe() {
        if (!ENABLED) return "GEMM (Winograd off: -Dtimetuner.cpu.winograd=off)";
        String tiles = ONLY_2X2 ? "Winograd F(2x2,3x3) (-Dtimetuner.cpu.winograd=2x2)" : "Winograd F(4x4,3x3)";
        String unknown = java.util.Set.of("auto", "2x2", "off").contains(MODE) ? ""
                : " (-Dtimetuner.cpu.winograd=" + MODE + " is not auto, 2x2 or off: using auto)";
        return tiles + " for 3x3 stride-1 with >= " + MIN_CHANNELS + " channels, direct for stride-1 from <= "
                + CpuFewChannelConv.MAX_IN_CHANNELS + " channels or to 1, GEMM otherwise" + unknown;
    }

    /** Channels per vector: the blocking of {@link PaddedInput} and of a blocked output. */
    static int lanes() { return L; }

    static boolean applies(CpuConv2d.Dims d) {
        return ENABLED && d.kh() == 3 && d.kw() == 3 && d.g().stride() == 1
                && d.ci() >= MIN_CHANNELS && d.co() >= MIN_CHANNELS;
    }

    /** The tile every convolution uses: F(4×4), or F(2×2) with {@code -Dtimetuner.cpu.winograd=2x2}. */
    static WinogradTile tile() { return ONLY_2X2 ? WinogradF2.INSTANCE : WinogradF4.INSTANCE; }

    /**
     * The convolution d of x with w (+ bias). With {@code transposed}, w is the weight of the
     * forward convolution whose input gradient d is ([d.ci][d.co][3][3]; see {@link WinogradFilters#panels}).
     * {@code pool} lends the blocked copy of the input.
     */
    static void forward(float[] x, float[] w, boolean transposed, float[] bias, CpuConv2d.Dims d, float[] out, ArrayPool pool) {
        forward(tile(), x, w, transposed, bias, d, out, pool);
    }

    static void forward(WinogradTile tile, float[] x, float[] w, boolean transposed, float[] bias,
                        CpuConv2d.Dims d, float[] out, ArrayPool pool) {
        forward(tile, x, false, w, transposed, bias, d, out, null, false, pool);
    }

    /**
     * The layout of a convolution's input as its transforms read it: blocked by L channels (one
     * vector holds one pixel of L channels; lanes past the last channel unused), zero-padded to
     * hp×wp, image n's block b at (n·blocks + b)·plane, pixel (y, x) of the unpadded input at
     * ((y + padTop)·wp + x + padLeft)·L within it.
     */
    record PaddedInput(int blocks, int hp, int wp, int padTop, int padLeft) {
        static PaddedInput of(WinogradTile tile, CpuConv2d.Dims d) {
            int m = tile.outputSize();
            return new PaddedInput(ceilDiv(d.ci(), L), m * ceilDiv(d.ho(), m) + 2, m * ceilDiv(d.wo(), m) + 2, d.g().padTop(), d.g().padLeft());
        }

        static PaddedInput of(CpuConv2d.Dims d) { return of(tile(), d); }

        int plane() { return hp * wp * L; }

        int size(int n) { return n * blocks * plane(); }

        /**
         * Up to L channels of h×w pixels, planes h·w apart from src[srcAt…] (NCHW), into the
         * block at xb[at…]: one vector of channels per pixel, the border zeroed. Lanes past the
         * last channel are left as they were: nothing reads them.
         */
        void copyIn(float[] src, int srcAt, int channels, int h, int w, float[] xb, int at) {
            int row = wp * L, first = at + padTop * row + padLeft * L;  // pixel (0, 0)
            zeroBorder(xb, at, h, w);
            for (int iy = 0; iy < h; iy++)  // a row of the block at a time: the channels' stores land in the same few cache lines
                for (int c = 0; c < channels; c++) {
                    int from = srcAt + (c * h + iy) * w, dst = first + iy * row + c;
                    for (int ix = 0; ix < w; ix++) xb[dst + ix * L] = src[from + ix];
                }
        }

        /** Zeros the plane at xb[at…] outside its h×w input pixels: the padding, and the tiles' overhang. */
        void zeroBorder(float[] xb, int at, int h, int w) {
            int row = wp * L;
            for (int py = 0; py < hp; py++) {
                int iy = py - padTop, start = at + py * row;
                if (iy < 0 || iy >= h) {
                    java.util.Arrays.fill(xb, start, start + row, 0f);
                } else {
                    java.util.Arrays.fill(xb, start, start + padLeft * L, 0f);
                    java.util.Arrays.fill(xb, start + (padLeft + w) * L, start + row, 0f);
                }
            }
        }
    }

    /** Output channels per GEMM chunk: M of a task stays L2-sized however many channels the layer has. */
    private static final int PANELS_PER_CHUNK = Math.max(1, 64 / NR);

    /**
     * The convolution on the input blocked by L channels ({@link PaddedInput}), so that every
     * transform runs on whole vectors whatever the image size. Tasks take groups of tiles (and,
     * when there are too few of those, ranges of output channels): each transforms its tiles'
     * inputs into V_ξ[tile][ci], multiplies them by U_ξ[ci][co] (rows of V read in place, U
     * packed in panels of output channels), and transforms the results straight into the output.
     * <ul>
     * <li>{@code inputPadded}: x is already in the {@link PaddedInput} layout (a producer wrote it
     *     so); otherwise it is NCHW and copied into that layout first.</li>
     * <li>{@code outputBlocked}: out is written blocked, [n][co / L][ho][wo][L] (co a multiple
     *     of L); otherwise NCHW.</li>
     * <li>bias: null, one value per output channel, or one per image and channel ([n][co]).</li>
     * <li>{@code residual}: null, or a tensor in the output's layout that is added to it (a
     *     residual block's shortcut).</li>
     * </ul>
     */
    static void forward(WinogradTile tile, float[] x, boolean inputPadded, float[] w, boolean transposed, float[] bias,
                        CpuConv2d.Dims d, float[] out, float[] residual, boolean outputBlocked, ArrayPool pool) {
        int n = d.n(), ci = d.ci(), co = d.co(), m = tile.outputSize(), a2 = tile.inputSize() * tile.inputSize();
        int ho = d.ho(), wo = d.wo(), th = ceilDiv(ho, m), tw = ceilDiv(wo, m), perImage = th * tw, total = n * perImage;
        PaddedInput layout = PaddedInput.of(tile, d);
        int blocks = layout.blocks(), lda = blocks * L, panels = ceilDiv(co, NR);
        if (outputBlocked && co % L != 0) throw new IllegalArgumentException("a blocked output needs a multiple of " + L + " channels, got " + co);
        float[] u = WinogradFilters.panels(tile, w, transposed, co, ci);
        boolean biasPerImage = bias != null && bias.length == n * co && n > 1;
        int biasStride = biasPerImage ? panels * NR : 0;
        float[] b = new float[biasPerImage ? n * biasStride : panels * NR];
        if (bias != null)
            for (int i = 0; i < (biasPerImage ? n : 1); i++) System.arraycopy(bias, i * co, b, i * biasStride, co);
        int row = layout.wp() * L, plane = layout.plane();
        float[] xb = inputPadded ? x : pool.take(layout.size(n));
        if (!inputPadded)
            Parallel.forEach(n * blocks, job -> {  // image job / blocks, its channels from (job % blocks)·L
                int c0 = job % blocks * L;
                layout.copyIn(x, (job / blocks * ci + c0) * d.h() * d.w(), Math.min(L, ci - c0), d.h(), d.w(), xb, job * plane);
            });
        int threads = Parallel.threads();
        int rowsPerTile = Gemm.ROWS_OF_A, maxTiles = WinogradTile.roundUp(Math.max(rowsPerTile, OUTPUTS_PER_TASK / (m * m)), rowsPerTile);
        int tiles = Math.min(maxTiles, WinogradTile.roundUp(ceilDiv(total, 2 * threads), rowsPerTile));
        int groups = ceilDiv(total, tiles), chunks = ceilDiv(panels, PANELS_PER_CHUNK);
        int splitsWanted = groups >= 2 * threads ? 1 : Math.min(chunks, ceilDiv(2 * threads, groups));
        int chunksPerSplit = ceilDiv(chunks, splitsWanted), splits = ceilDiv(chunks, chunksPerSplit);
        int chunkWidth = PANELS_PER_CHUNK * NR;
        Parallel.forEach(groups * splits, task -> {
            int t0 = task / splits * tiles, count = Math.min(tiles, total - t0), rowsA = WinogradTile.roundUp(count, rowsPerTile);
            // a vector more than a whole number of rows: V_ξ and M_ξ then start in different cache sets
            int vStride = rowsA * lda + L, mStride = rowsA * chunkWidth + L;
            Scratch s = SCRATCH.get().ensure(a2 * vStride, a2 * mStride, a2 * L, m * m * L);
            for (int t = 0; t < count; t++) {
                int i = (t0 + t) / perImage, r = (t0 + t) % perImage, at = i * blocks * plane + m * (r / tw) * row + m * (r % tw) * L;
                for (int c = 0; c < blocks; c++) tile.transformInputChannels(xb, at + c * plane, row, s.rows, s.v, t * lda + c * L, vStride);
            }
            int firstChunk = task % splits * chunksPerSplit;
            for (int chunk = firstChunk; chunk < Math.min(chunks, firstChunk + chunksPerSplit); chunk++) {
                int p0 = chunk * PANELS_PER_CHUNK, np = Math.min(PANELS_PER_CHUNK, panels - p0), o0 = p0 * NR, oc = Math.min(np * NR, co - o0);
                for (int xi = 0; xi < a2; xi++)
                    Gemm.rowsTimesPanels(rowsA, np * NR, ci, s.v, xi * vStride, lda, u, (xi * panels + p0) * ci * NR, s.m, xi * mStride, chunkWidth);
                for (int t = 0; t < count; t++) {
                    int i = (t0 + t) / perImage, r = (t0 + t) % perImage, oy = m * (r / tw), ox = m * (r % tw);
                    int rows = Math.min(m, ho - oy), cols = Math.min(m, wo - ox);
                    for (int ob = 0; ob < oc; ob += L) {
                        tile.transformOutputChannels(s.m, t * chunkWidth + ob, mStride, b, i * biasStride + o0 + ob, s.rows, s.tile);
                        if (outputBlocked) {
                            int first = (((i * (co / L) + (o0 + ob) / L) * ho + oy) * wo + ox) * L;
                            for (int y = 0; y < rows; y++) {
                                int from = y * m * L, to = first + y * wo * L;
                                if (residual == null) System.arraycopy(s.tile, from, out, to, cols * L);
                                else for (int j = 0; j < cols * L; j += L)
                                    FloatVector.fromArray(S, residual, to + j).add(FloatVector.fromArray(S, s.tile, from + j)).intoArray(out, to + j);
                            }
                        } else {
                            writeTile(s, m, Math.min(L, oc - ob), rows, cols, out, residual, ((i * co + o0 + ob) * ho + oy) * wo + ox, ho * wo, wo);
                        }
                    }
                }
            }
        });
        if (!inputPadded) pool.give(xb);
    }

    /**
     * The m×m tile of {@code lanes} channels in {@code s.tile} (a vector of channels per pixel)
     * into the NCHW output: its first {@code rows} rows and {@code cols} columns, channel k's
     * pixel (y, x) at out[first + k·plane + y·wo + x], plus residual's value there when it is not null.
     */
    private static void writeTile(Scratch s, int m, int lanes, int rows, int cols, float[] out, float[] residual, int first, int plane, int wo) {
        // Columns written out (m ≤ 4): C2's code for a loop of one to four iterations cost 3.5×
        // the copy itself, and at 14×14 and 7×7 half the tiles or more are cut at the edge.
        float[] t = s.tile;
        if (m == 4 && rows == 4 && cols == 4) {  // most tiles: no switch per row
            if (residual == null) {
                for (int k = 0; k < lanes; k++)
                    for (int y = 0, o = first + k * plane, q = k; y < 4; y++, o += wo, q += 4 * L) {
                        out[o] = t[q];
                        out[o + 1] = t[q + L];
                        out[o + 2] = t[q + 2 * L];
                        out[o + 3] = t[q + 3 * L];
                    }
            } else {
                for (int k = 0; k < lanes; k++)
                    for (int y = 0, o = first + k * plane, q = k; y < 4; y++, o += wo, q += 4 * L) {
                        out[o] = residual[o] + t[q];
                        out[o + 1] = residual[o + 1] + t[q + L];
                        out[o + 2] = residual[o + 2] + t[q + 2 * L];
                        out[o + 3] = residual[o + 3] + t[q + 3 * L];
                    }
            }
            return;
        }
        for (int k = 0; k < lanes; k++)
            for (int y = 0, o = first + k * plane, q = k; y < rows; y++, o += wo, q += m * L) {
                switch (cols) {
                    case 4: out[o + 3] = t[q + 3 * L];  // falls through
                    case 3: out[o + 2] = t[q + 2 * L];  // falls through
                    case 2: out[o + 1] = t[q + L];      // falls through
                    default: out[o] = t[q];
                }
            }
        if (residual != null)  // the tiles cut at the edge: few
            for (int k = 0; k < lanes; k++)
                for (int y = 0, o = first + k * plane; y < rows; y++, o += wo)
                    for (int x = 0; x < cols; x++) out[o + x] = residual[o + x] + out[o + x];
    }

    /**
     * The convolution d (3×3, stride 1) of x upsampled ×2 by nearest neighbour: x is
     * [d.n()][d.ci()][d.h() / 2][d.w() / 2], and its blocked, padded copy is written from x
     * directly, so the upsampled tensor never exists. With {@code blocked}, x and out are blocked
     * by L channels ([n][c / L][h][w][L]; channels multiples of L), NCHW otherwise.
     */
    static void forwardUpsampled(float[] x, boolean blocked, float[] w, float[] bias, CpuConv2d.Dims d, float[] out, ArrayPool pool) {
        WinogradTile tile = tile();
        PaddedInput layout = PaddedInput.of(tile, d);
        if (blocked && d.ci() % L != 0) throw new IllegalArgumentException("a blocked input needs a multiple of " + L + " channels, got " + d.ci());
        int blocks = layout.blocks(), plane = layout.plane(), low = d.h() / 2 * (d.w() / 2);
        float[] xb = pool.take(layout.size(d.n()));
        Parallel.forEach(d.n() * blocks, job -> {
            int c0 = job % blocks * L, cc = Math.min(L, d.ci() - c0);
            // channel c of the block, low-resolution pixel q: NCHW at from + c·low + q, blocked at from + q·L + c
            int from = blocked ? job * low * L : (job / blocks * d.ci() + c0) * low;
            blockInputUpsampled(x, from, blocked ? 1 : low, blocked ? L : 1, cc, d, layout, xb, job * plane);
        });
        forward(tile, xb, true, w, false, bias, d, out, null, blocked, pool);
        pool.give(xb);
    }

    /**
     * As {@link PaddedInput#copyIn}, from x at half d's height and width (channel c's pixel q at
     * x[from + c·channelStride + q·pixelStride]): each of its pixels fills a 2×2 block.
     */
    private static void blockInputUpsampled(float[] x, int from, int channelStride, int pixelStride, int cc, CpuConv2d.Dims d,
                                            PaddedInput layout, float[] xb, int at) {
        int h = d.h(), w = d.w(), sh = h / 2, sw = w / 2, row = layout.wp() * L;
        layout.zeroBorder(xb, at, h, w);
        int first = at + layout.padTop() * row + layout.padLeft() * L;  // pixel (0, 0)
        for (int sy = 0; sy < sh; sy++) {
            int even = first + 2 * sy * row;
            for (int c = 0; c < cc; c++) {
                int src = from + c * channelStride + sy * sw * pixelStride, dst = even + c;
                for (int sx = 0; sx < sw; sx++, src += pixelStride, dst += 2 * L) {
                    float v = x[src];
                    xb[dst] = v;
                    xb[dst + L] = v;
                }
            }
            System.arraycopy(xb, even, xb, even + row, w * L);  // the odd row repeats the even one
        }
    }

    private static int ceilDiv(int v, int m) { return (v + m - 1) / m; }
}
