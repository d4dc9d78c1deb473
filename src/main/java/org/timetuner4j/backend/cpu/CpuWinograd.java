package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 3×3 stride-1 convolution by Winograd's minimal filtering F(m×m, 3×3) (Lavin and Gray, 2016):
 * each m×m output tile comes from an α×α input tile (α = m + 2) with α² multiplies per channel
 * pair instead of 9m². In the transform domain the sum over input channels is, for each of the
 * α² positions ξ, one GEMM over the T tiles of a task:
 * <pre>
 *   U_ξ = (G g Gᵀ)_ξ   [co×ci]      V_ξ = (Bᵀ d B)_ξ   [ci×T]      M_ξ = U_ξ · V_ξ   [co×T]
 *   y = Aᵀ M A  (m×m per tile)
 * </pre>
 * {@link WinogradF4} (4× fewer multiplies than the direct method) runs where its GEMMs cost less
 * than {@link WinogradF2}'s (2.25×), i.e. unless the image is tiny or 4×4 tiles waste much of it
 * ({@link #tileFor}). The transformed filters are kept between calls ({@link WinogradFilters}).
 * Every sum runs in a fixed order, so results do not depend on the thread count. F(4×4) rounds
 * to a few parts in a million of the layer's magnitude, F(2×2) to a few in ten million.
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
    /** Up to this many tiles in the batch, tasks split output channels rather than tiles. */
    private static final int BATCH_TILES = 128;
    /** Output values per task: wide GEMMs, with V and M of a task about L2-sized at 64 channels. */
    private static final int OUTPUTS_PER_TASK = 512;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), NR = Gemm.panelWidth();
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        float[] v = new float[0], m = new float[0], rows = new float[0], strip = new float[0];
        float[] batch = new float[0], batchPanels = new float[0];

        /** The calling thread's V for a whole batch, which the workers fill and read (apart from their own v). */
        float[] batch(int size) {
            if (batch.length < size) batch = new float[size];
            return batch;
        }

        /** The calling thread's V_ξ packed as GEMM B operands, shared likewise. */
        float[] batchPanels(int size) {
            if (batchPanels.length < size) batchPanels = new float[size];
            return batchPanels;
        }

        Scratch ensure(int vSize, int mSize, int rowsSize, int stripSize) {
            if (v.length < vSize) v = new float[vSize];
            if (m.length < mSize) m = new float[mSize];
            if (rows.length < rowsSize) rows = new float[rowsSize];
            if (strip.length < stripSize) strip = new float[stripSize];
            return this;
        }
    }

    /** For {@code info}. */
    static String describe() {
        if (!ENABLED) return "GEMM (Winograd off: -Dtimetuner.cpu.winograd=off)";
        String tiles = ONLY_2X2 ? "Winograd F(2x2,3x3) (-Dtimetuner.cpu.winograd=2x2)" : "Winograd F(4x4,3x3) or F(2x2,3x3), whichever costs less,";
        String unknown = java.util.Set.of("auto", "2x2", "off").contains(MODE) ? ""
                : " (-Dtimetuner.cpu.winograd=" + MODE + " is not auto, 2x2 or off: using auto)";
        return tiles + " for 3x3 stride-1 with >= " + MIN_CHANNELS + " channels, GEMM otherwise" + unknown;
    }

    static boolean applies(CpuConv2d.Dims d) {
        return ENABLED && d.kh() == 3 && d.kw() == 3 && d.g().stride() == 1
                && d.ci() >= MIN_CHANNELS && d.co() >= MIN_CHANNELS;
    }

    /**
     * The tile whose GEMMs cost less for n images of ho×wo outputs: α² products per tile over
     * the tiles computed (whole panels of them when the batch is one GEMM), F(4×4)'s counted
     * 1.4× for its costlier transforms (measured at 32–64 channels); F(2×2) on a tie, as it rounds less.
     */
    static WinogradTile tileFor(int n, int ho, int wo) {
        if (ONLY_2X2) return WinogradF2.INSTANCE;
        double f4 = 1.4 * 36 * gemmColumns(n * ceilDiv(ho, 4) * ceilDiv(wo, 4));
        double f2 = 16.0 * gemmColumns(n * ceilDiv(ho, 2) * ceilDiv(wo, 2));
        return f4 < f2 ? WinogradF4.INSTANCE : WinogradF2.INSTANCE;
    }

    private static long gemmColumns(long tiles) { return tiles <= BATCH_TILES ? WinogradTile.roundUp((int) tiles, NR) : tiles; }

    /**
     * The convolution d of x with w (+ bias). With {@code transposed}, w is the weight of the
     * forward convolution whose input gradient d is ([d.ci][d.co][3][3]; see {@link WinogradFilters#of}).
     */
    static void forward(float[] x, float[] w, boolean transposed, float[] bias, CpuConv2d.Dims d, float[] out) {
        forward(tileFor(d.n(), d.ho(), d.wo()), x, w, transposed, bias, d, out);
    }

    static void forward(WinogradTile tile, float[] x, float[] w, boolean transposed, float[] bias, CpuConv2d.Dims d, float[] out) {
        int m = tile.outputSize(), th = ceilDiv(d.ho(), m), tw = ceilDiv(d.wo(), m);
        if (d.n() * th * tw <= BATCH_TILES) {
            int block = Math.min(d.co(), Math.max(2 * Gemm.MR, WinogradTile.roundUp(ceilDiv(d.co(), 4 * Parallel.threads()), Gemm.MR)));
            forwardByChannelBlocks(tile, x, WinogradFilters.of(tile, w, transposed, d.co(), d.ci(), block), block, bias, d, out);
        } else {
            forwardByTileGroups(tile, x, WinogradFilters.of(tile, w, transposed, d.co(), d.ci(), d.co())[0], bias, d, out);
        }
    }

    /**
     * Tasks of a few tile rows of one image, or of a few whole small images: each transforms its
     * input tiles, runs the α² GEMMs over every output channel and transforms the outputs.
     */
    private static void forwardByTileGroups(WinogradTile tile, float[] x, Gemm.PackedA[] packed, float[] bias, CpuConv2d.Dims d, float[] out) {
        int ci = d.ci(), co = d.co(), m = tile.outputSize(), a2 = tile.inputSize() * tile.inputSize();
        int th = ceilDiv(d.ho(), m), tw = ceilDiv(d.wo(), m), wp = m * (tw + 1), wq = WinogradTile.roundUp(wp, L) + L;
        int perImage = th * tw, tilesPerTask = Math.max(1, OUTPUTS_PER_TASK / (m * m));
        int images = Math.max(1, Math.min(tilesPerTask / perImage, d.n() / (2 * Parallel.threads())));
        int rows = images > 1 ? th : Math.max(1, Math.min(th, tilesPerTask / tw));
        int blocks = ceilDiv(th, rows), groups = ceilDiv(d.n(), images);
        WinogradStrip strip = new WinogradStrip(d, m, wp);
        Parallel.forEach(groups * blocks, task -> {
            int n0 = task / blocks * images, ty0 = (task % blocks) * rows;
            int imgs = Math.min(images, d.n() - n0), r = Math.min(rows, th - ty0);
            int t = imgs * r * tw, tq = WinogradTile.roundUp(t, NR) + L, stripRows = m * r + 2;
            Scratch s = SCRATCH.get().ensure(a2 * ci * tq, a2 * co * tq, tile.scratchSize(wq, tq), stripRows * wp + L);
            for (int c = 0; c < ci; c++)
                for (int i = 0; i < imgs; i++) {
                    strip.fill(x, ((n0 + i) * ci + c) * d.h() * d.w(), m * ty0, stripRows, s.strip);
                    tile.transformInput(s.strip, 0, wp, wq, r, tw, s.rows, s.v, c * tq + i * r * tw, ci * tq);
                }
            for (int xi = 0; xi < a2; xi++) Gemm.product(packed[xi], false, WinogradTile.roundUp(t, NR), s.v, xi * ci * tq, tq, s.m, xi * co * tq, tq);
            for (int o = 0; o < co; o++)
                tile.transformOutput(s.m, o * tq, co * tq, imgs, r, tw, bias == null ? 0f : bias[o], s.rows,
                        out, (n0 * co + o) * d.ho() * d.wo(), co * d.ho() * d.wo(), m * ty0, d.ho(), d.wo());
        });
    }

    /**
     * For a batch with few tiles (small images, small batch): first every input tile of the
     * batch is transformed (tasks over input channels), then tasks over blocks of output
     * channels run the GEMMs across all tiles at once. Grouping by images instead would give
     * GEMMs a panel or two wide that re-read all of U for a handful of tiles.
     */
    private static void forwardByChannelBlocks(WinogradTile tile, float[] x, Gemm.PackedA[][] packed, int block, float[] bias,
                                               CpuConv2d.Dims d, float[] out) {
        int ci = d.ci(), co = d.co(), n = d.n(), m = tile.outputSize(), a2 = tile.inputSize() * tile.inputSize();
        int th = ceilDiv(d.ho(), m), tw = ceilDiv(d.wo(), m), wp = m * (tw + 1), wq = WinogradTile.roundUp(wp, L) + L;
        int t = n * th * tw, tq = WinogradTile.roundUp(t, NR) + L, stripRows = m * th + 2;
        float[] v = SCRATCH.get().batch(a2 * ci * tq);
        WinogradStrip strip = new WinogradStrip(d, m, wp);
        Parallel.forEach(ci, c -> {
            Scratch s = SCRATCH.get().ensure(0, 0, tile.scratchSize(wq, tq), stripRows * wp + L);
            for (int i = 0; i < n; i++) {
                strip.fill(x, (i * ci + c) * d.h() * d.w(), 0, stripRows, s.strip);
                tile.transformInput(s.strip, 0, wp, wq, th, tw, s.rows, v, c * tq + i * th * tw, ci * tq);
            }
        });
        // every block's GEMMs read all of V: packed into panels once, not once per block
        int columns = WinogradTile.roundUp(t, NR), panelSize = ci * columns;
        float[] panels = SCRATCH.get().batchPanels(a2 * panelSize);
        Gemm.PackedB[] vPacked = new Gemm.PackedB[a2];
        Parallel.forEach(a2, xi -> vPacked[xi] = Gemm.packB(v, xi * ci * tq, tq, ci, columns, panels, xi * panelSize));
        Parallel.forEach(packed.length, b -> {
            int o0 = b * block, ob = Math.min(block, co - o0);
            Scratch s = SCRATCH.get().ensure(0, a2 * ob * tq, tile.scratchSize(wq, tq), 0);
            for (int xi = 0; xi < a2; xi++) Gemm.product(packed[b][xi], vPacked[xi], s.m, xi * ob * tq, tq);
            for (int o = o0; o < o0 + ob; o++)
                tile.transformOutput(s.m, (o - o0) * tq, ob * tq, n, th, tw, bias == null ? 0f : bias[o], s.rows,
                        out, o * d.ho() * d.wo(), co * d.ho() * d.wo(), 0, d.ho(), d.wo());
        });
    }

    private static int ceilDiv(int v, int m) { return (v + m - 1) / m; }
}
