package org.timetuner4j.backend.cuda;

/**
 * Grid and block sizes for every kernel family, in one place so that they are unit-tested on
 * the CPU (LaunchConfigTest). The constants must match kernels/common.cuh and
 * kernels/tile_gemm.cuh.
 */
public final class LaunchConfig {
    /** Threads per block of every kernel (THREADS in common.cuh; block reductions rely on it). */
    public static final int THREADS = 256;
    /** Output tile of the GEMM engine, rows and columns (TILE_M = TILE_N in tile_gemm.cuh). */
    public static final int TILE = 64;
    /** Reduction step of the GEMM engine (TILE_K). */
    public static final int TILE_K = 16;
    /** Grid-stride kernels never need more blocks than this (any grid size is correct). */
    public static final int MAX_STRIDE_BLOCKS = 65535;
    /** The grid's y and z limits. */
    public static final int MAX_GRID_YZ = 65535;
    /** The grid's x limit. */
    public static final int MAX_GRID_X = Integer.MAX_VALUE;
    /** Partial sums of a whole-tensor reduction (reduce_partial's grid). */
    public static final int MAX_REDUCE_BLOCKS = 1024;
    /** A target element summing at least this many values gets a whole block (sum_to_shape). */
    public static final int BLOCK_PER_TARGET_FROM = THREADS;

    private LaunchConfig() {}

    /** A grid-stride kernel over {@code n} items; null when there is nothing to do. */
    public static Launch elementwise(long n) {
        if (n <= 0) return null;
        long blocks = Math.min((n + THREADS - 1) / THREADS, MAX_STRIDE_BLOCKS);
        return new Launch((int) blocks, 1, 1, THREADS);
    }

    /** One block per row (softmax rows, group-norm groups, channels, per-sample sums). */
    public static Launch perRow(long rows) {
        if (rows <= 0) return null;
        if (rows > MAX_GRID_X) throw new IllegalArgumentException(rows + " rows exceed the grid");
        return new Launch((int) rows, 1, 1, THREADS);
    }

    /** The tile grid of an M x N product (batch in z) on the shared GEMM engine. */
    public static Launch tiles(long m, long n, long batch) {
        if (m <= 0 || n <= 0 || batch <= 0) return null;
        long gx = (n + TILE - 1) / TILE, gy = (m + TILE - 1) / TILE;
        if (gx > MAX_GRID_X || gy > MAX_GRID_YZ || batch > MAX_GRID_YZ)
            throw new IllegalArgumentException("product " + m + " x " + n + " (batch " + batch + ") exceeds the grid");
        return new Launch((int) gx, (int) gy, (int) batch, THREADS);
    }

    /** How conv2d_bwd_weight splits its reduction over the Nimg·P output positions. */
    public record Split(int splits, int chunk) {}

    /**
     * Enough splits that the (Co x K) tiles times the splits fill about {@code 2·sms} blocks,
     * but no split shorter than {@link #THREADS} positions.
     */
    public static Split weightGradSplit(int co, int k, long positions, int sms) {
        if (positions <= 0) return new Split(1, 1);
        long tiles = ((co + TILE - 1L) / TILE) * ((k + TILE - 1L) / TILE);
        long wanted = Math.max(1, (2L * Math.max(1, sms) + tiles - 1) / tiles);
        long most = Math.max(1, positions / THREADS);
        long splits = Math.min(Math.min(wanted, most), MAX_GRID_YZ);
        long chunk = (positions + splits - 1) / splits;
        splits = (positions + chunk - 1) / chunk;
        return new Split((int) splits, (int) chunk);
    }

    /** Blocks of reduce_partial for {@code n} values. */
    public static int reduceBlocks(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, MAX_REDUCE_BLOCKS));
    }
}
