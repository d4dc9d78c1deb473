package org.timetuner4j.backend.cpu;

import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Shape;

/**
 * The CPU backend's package-private fast paths, opened to the op family tables in
 * {@code org.timetuner4j.ops} (test code only): Winograd convolution and its dispatch, the
 * per-plane broadcast test, the timestep embedding's frequencies.
 */
public final class CpuFastPaths {
    private CpuFastPaths() {}

    /** The Winograd tiles by output size: F(2×2, 3×3) and F(4×4, 3×3). */
    public static final int[] WINOGRAD_TILES = {2, 4};

    public static boolean winogradApplies(int n, int ci, int h, int w, int co, int k, Conv2dGeometry g) {
        return CpuWinograd.applies(dims(n, ci, h, w, co, k, g));
    }

    /** Winograd convolution with the tile of that output size into out; transposed: w is the forward conv's weight (input gradient). */
    public static void winograd(int tile, float[] x, float[] w, boolean transposed, float[] bias,
                                int n, int ci, int h, int wd, int co, Conv2dGeometry g, float[] out) {
        CpuWinograd.forward(tile(tile), x, w, transposed, bias, dims(n, ci, h, wd, co, 3, g), out, new ArrayPool(0));
    }

    public static boolean perPlane(Shape small, Shape full) { return CpuElementwise.perPlane(small, full); }

    public static float[] timestepFrequencies(int dim) { return CpuTimestepEmbedding.frequencies(dim); }

    private static WinogradTile tile(int outputSize) {
        return switch (outputSize) {
            case 2 -> WinogradF2.INSTANCE;
            case 4 -> WinogradF4.INSTANCE;
            default -> throw new IllegalArgumentException("no F(" + outputSize + ") tile");
        };
    }

    private static CpuConv2d.Dims dims(int n, int ci, int h, int w, int co, int k, Conv2dGeometry g) {
        return new CpuConv2d.Dims(n, ci, h, w, co, k, k, g.outHeight(h, k), g.outWidth(w, k), g);
    }
}
