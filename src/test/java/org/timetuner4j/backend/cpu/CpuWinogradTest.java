package org.timetuner4j.backend.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.testing.Check;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** F(2×2, 3×3) Winograd convolution against the defining sum, and its dispatch rule. */
class CpuWinogradTest {
    private final ArrayPool pool = new ArrayPool(1L << 28);
    private final int defaultThreads = Parallel.threads();

    @AfterEach void restoreThreads() { Parallel.setThreads(defaultThreads); }

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
            for (Object[] c : cases) {
                int n = (int) c[0], ci = (int) c[1], h = (int) c[2], w = (int) c[3], co = (int) c[4];
                Conv2dGeometry g = (Conv2dGeometry) c[5];
                float[] x = Check.randomArray(r, n * ci * h * w, 1), wt = Check.randomArray(r, co * ci * 9, 1), b = Check.randomArray(r, co, 1);
                CpuConv2d.Dims d = dims(n, ci, h, w, co, g);
                assertTrue(CpuWinograd.applies(d));
                float[] got = new float[n * co * d.ho() * d.wo()];
                CpuWinograd.forward(x, wt, b, d, got, pool);
                Check.maxRelative("winograd " + n + "x" + ci + "x" + h + "x" + w + "->" + co + " " + g + ", " + threads + " threads",
                        got, ConvolutionReference.forward(x, wt, b, n, ci, h, w, co, 3, g), 2e-6);
            }
        }
    }

    @Test void isDeterministicAcrossThreadCounts() {
        Random r = new Random(22);
        int n = 6, ci = 24, h = 15, w = 15, co = 16;
        float[] x = Check.randomArray(r, n * ci * h * w, 1), wt = Check.randomArray(r, co * ci * 9, 1);
        CpuConv2d.Dims d = dims(n, ci, h, w, co, Conv2dGeometry.of(1, 1));
        float[][] out = new float[2][n * co * h * w];
        for (int threads = 1; threads <= 2; threads++) {
            Parallel.setThreads(threads);
            CpuWinograd.forward(x, wt, null, d, out[threads - 1], pool);
        }
        assertArrayEquals(out[0], out[1]);
    }

    /** The padded input comes from the array pool: NaN left in a recycled array must not leak in. */
    @Test void ignoresWhatARecycledPaddingBufferHeld() {
        Random r = new Random(23);
        int n = 2, ci = 16, h = 15, w = 15, co = 8;
        float[] x = Check.randomArray(r, n * ci * h * w, 1), wt = Check.randomArray(r, co * ci * 9, 1);
        CpuConv2d.Dims d = dims(n, ci, h, w, co, Conv2dGeometry.of(1, 1));
        float[] clean = new float[n * co * h * w], again = new float[clean.length];
        CpuWinograd.forward(x, wt, null, d, clean, pool);
        int padded = n * ci * 18 * 18 + 2 * jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();  // 8×8 tiles → 18×18
        float[] poison = new float[padded];
        java.util.Arrays.fill(poison, Float.NaN);
        pool.give(poison);
        CpuWinograd.forward(x, wt, null, d, again, pool);
        assertTrue(pool.take(padded) == poison, "the forward took and returned the poisoned array");
        assertArrayEquals(clean, again);
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

    private static CpuConv2d.Dims dims(int n, int ci, int h, int w, int co, Conv2dGeometry g) {
        return new CpuConv2d.Dims(n, ci, h, w, co, 3, 3, g.outHeight(h, 3), g.outWidth(w, 3), g);
    }
}
