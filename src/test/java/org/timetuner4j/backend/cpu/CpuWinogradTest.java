package org.timetuner4j.backend.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.testing.Check;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Winograd convolution, F(2×2, 3×3) and F(4×4, 3×3), against the defining sum, and its dispatch rules. */
class CpuWinogradTest {
    private final int defaultThreads = Parallel.threads();

    private static final WinogradTile[] TILES = {WinogradF2.INSTANCE, WinogradF4.INSTANCE};

    @AfterEach void restoreThreads() { Parallel.setThreads(defaultThreads); }

    /** Relative to the largest output: F(4×4)'s larger transform coefficients amplify rounding more. */
    private static double tolerance(WinogradTile tile) { return tile.outputSize() == 2 ? 2e-6 : 1e-5; }

    /**
     * Shapes that reach every tiling branch: odd output sizes (half-used edge tiles), one-sided
     * and wide padding, several small images per task (with a short last group), one image split
     * into blocks of tile rows (with a short last block), channel counts that fill no panel, a 1×1
     * image, and more input channels than one K block of the GEMM.
     */
    @Test void matchesTheDefiningSum() {
        Random r = new Random(21);
        Object[][] cases = {
                {9, 8, 5, 5, 8, Conv2dGeometry.of(1, 1)},
                {8, 16, 7, 7, 12, Conv2dGeometry.of(1, 1)},
                {2, 9, 7, 9, 10, Conv2dGeometry.of(1, 0)},
                {3, 11, 6, 5, 9, new Conv2dGeometry(1, 1, 0, 2, 1)},
                {2, 8, 4, 4, 8, Conv2dGeometry.of(1, 2)},
                {2, 13, 40, 37, 19, Conv2dGeometry.of(1, 1)},
                {1, 64, 14, 14, 64, Conv2dGeometry.of(1, 1)},
                {3, 8, 1, 1, 8, Conv2dGeometry.of(1, 1)},
                {2, 8, 2, 3, 9, Conv2dGeometry.of(1, 1)},
                {1, 300, 6, 6, 20, Conv2dGeometry.of(1, 1)}};
        for (int threads : new int[] {1, 2}) {
            Parallel.setThreads(threads);
            for (Object[] c : cases) for (WinogradTile tile : TILES) {
                int n = (int) c[0], ci = (int) c[1], h = (int) c[2], w = (int) c[3], co = (int) c[4];
                Conv2dGeometry g = (Conv2dGeometry) c[5];
                float[] x = Check.randomArray(r, n * ci * h * w, 1), wt = Check.randomArray(r, co * ci * 9, 1), b = Check.randomArray(r, co, 1);
                CpuConv2d.Dims d = dims(n, ci, h, w, co, g);
                assertTrue(CpuWinograd.applies(d));
                float[] got = new float[n * co * d.ho() * d.wo()];
                CpuWinograd.forward(tile, x, wt, false, b, d, got);
                Check.maxRelative("F(" + tile.outputSize() + ") " + n + "x" + ci + "x" + h + "x" + w + "->" + co + " " + g + ", " + threads + " threads",
                        got, ConvolutionReference.forward(x, wt, b, n, ci, h, w, co, 3, g), tolerance(tile));
            }
        }
    }

    @Test void isDeterministicAcrossThreadCounts() {
        Layer l = Layer.random(new Random(22), 6, 24, 15, 16);
        for (WinogradTile tile : TILES) {
            float[][] out = new float[2][l.outputSize()];
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                CpuWinograd.forward(tile, l.x, l.w, false, null, l.d, out[threads - 1]);
            }
            assertArrayEquals(out[0], out[1], "F(" + tile.outputSize() + ")");
        }
    }

    /**
     * The per-thread scratch (padded strips, V, M, transform rows) is reused across calls: NaN
     * left there by a larger convolution of a NaN input must not reach a later one's result.
     */
    @Test void ignoresWhatAPreviousCallLeftInTheScratch() {
        Random r = new Random(23);
        Layer l = Layer.random(r, 2, 16, 15, 8), big = Layer.random(r, 2, 32, 30, 16);
        java.util.Arrays.fill(big.x, Float.NaN);
        Parallel.setThreads(1);  // one scratch, so the second call surely reuses what the first left
        for (WinogradTile tile : TILES) {
            float[] clean = new float[l.outputSize()], again = new float[clean.length];
            CpuWinograd.forward(tile, l.x, l.w, false, null, l.d, clean);
            CpuWinograd.forward(tile, big.x, big.w, false, null, big.d, new float[big.outputSize()]);
            CpuWinograd.forward(tile, l.x, l.w, false, null, l.d, again);
            assertArrayEquals(clean, again, "F(" + tile.outputSize() + ")");
            for (float v : again) assertTrue(Float.isFinite(v), "F(" + tile.outputSize() + ")");
        }
    }

    /** Kept transformed filters are not reused once the weight array's values change. */
    @Test void noticesWeightsChangedInPlace() {
        Layer l = Layer.random(new Random(24), 2, 16, 12, 16);
        for (WinogradTile tile : TILES) {
            float[] first = new float[l.outputSize()], second = new float[first.length];
            CpuWinograd.forward(tile, l.x, l.w, false, null, l.d, first);
            l.w[5 * 9 + 4] += 1f;  // the centre tap of (out 0, in 5)
            CpuWinograd.forward(tile, l.x, l.w, false, null, l.d, second);
            Check.maxRelative("F(" + tile.outputSize() + ") after the change", second,
                    ConvolutionReference.forward(l.x, l.w, null, 2, 16, 12, 12, 16, 3, Conv2dGeometry.of(1, 1)), tolerance(tile));
        }
    }

    /** The input gradient's kernel, transposed and rotated inside the transform, equals passing it built by hand. */
    @Test void transposedKernelEqualsTheFlippedWeights() {
        Random r = new Random(25);
        int n = 3, co = 12, ci = 9, h = 10, w = 11;  // the forward conv: ci → co; its transpose: co → ci
        float[] wt = Check.randomArray(r, co * ci * 9, 1), flipped = new float[wt.length];
        for (int o = 0; o < co; o++)
            for (int c = 0; c < ci; c++)
                for (int k = 0; k < 9; k++) flipped[(c * co + o) * 9 + 8 - k] = wt[(o * ci + c) * 9 + k];
        float[] gout = Check.randomArray(r, n * co * h * w, 1);
        CpuConv2d.Dims t = dims(n, co, h, w, ci, Conv2dGeometry.of(1, 1));
        for (WinogradTile tile : TILES) {
            float[] viaFlag = new float[n * ci * h * w], viaArray = new float[viaFlag.length];
            CpuWinograd.forward(tile, gout, wt, true, null, t, viaFlag);
            CpuWinograd.forward(tile, gout, flipped, false, null, t, viaArray);
            assertArrayEquals(viaArray, viaFlag, "F(" + tile.outputSize() + ")");
        }
    }

    /** F(4×4) where its GEMMs, counted 1.4× for its transforms, need fewer products; F(2×2) on tiny images and ties. */
    @Test void choosesTheTileWithTheCheaperGemms() {
        // n, ho, wo: 28×28 and 32×32 (no waste either way); 7×7 (both compute 8×8); 8×8 and 16×16 at batch 8
        int[][] f4 = {{32, 28, 28}, {8, 32, 32}, {32, 7, 7}, {8, 8, 8}, {8, 16, 16}, {1, 64, 64}};
        for (int[] c : f4) assertTrue(CpuWinograd.tileFor(c[0], c[1], c[2]) == WinogradF4.INSTANCE, Arrays.toString(c));
        // 14×14: 16×16 of F(4×4) outputs for 14×14 (1.4·36·512 > 16·1568); 4×4 at batch 8: 8 tiles fill half a
        // panel (1.4·36·16 > 16·32); 2×2 and 1×1: a 4×4 tile for a 2×2 image; 6×6: 4 tiles of 36 vs 9 of 16
        int[][] f2 = {{32, 14, 14}, {8, 4, 4}, {8, 2, 2}, {1, 1, 1}, {64, 6, 6}};
        for (int[] c : f2) assertTrue(CpuWinograd.tileFor(c[0], c[1], c[2]) == WinogradF2.INSTANCE, Arrays.toString(c));
    }

    @Test void appliesToThreeByThreeStrideOneWithEnoughChannels() {
        Conv2dGeometry same = Conv2dGeometry.of(1, 1);
        assertTrue(CpuWinograd.applies(dims(1, 8, 6, 6, 8, same)));
        assertFalse(CpuWinograd.applies(dims(1, 3, 6, 6, 32, same)), "an RGB input conv");
        assertFalse(CpuWinograd.applies(dims(1, 32, 6, 6, 3, same)), "an RGB output conv");
        assertFalse(CpuWinograd.applies(dims(1, 32, 6, 6, 32, Conv2dGeometry.of(2, 1))), "stride 2");
        Conv2dGeometry pointwise = Conv2dGeometry.of(1, 0);
        assertFalse(CpuWinograd.applies(new CpuConv2d.Dims(1, 32, 6, 6, 32, 1, 1, 6, 6, pointwise)), "1×1");
    }

    /** Random input and weights of a square 'same' 3×3 layer. */
    private record Layer(float[] x, float[] w, CpuConv2d.Dims d) {
        static Layer random(Random r, int n, int ci, int size, int co) {
            return new Layer(Check.randomArray(r, n * ci * size * size, 1), Check.randomArray(r, co * ci * 9, 1),
                    dims(n, ci, size, size, co, Conv2dGeometry.of(1, 1)));
        }

        int outputSize() { return d.n() * d.co() * d.ho() * d.wo(); }
    }

    private static CpuConv2d.Dims dims(int n, int ci, int h, int w, int co, Conv2dGeometry g) {
        return new CpuConv2d.Dims(n, ci, h, w, co, 3, 3, g.outHeight(h, 3), g.outWidth(w, 3), g);
    }
}
