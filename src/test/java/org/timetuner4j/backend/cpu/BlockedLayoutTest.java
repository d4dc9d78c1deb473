package org.timetuner4j.backend.cpu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.testing.Check;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The pieces of the fused residual-block interior against their NCHW counterparts: a Winograd
 * convolution writing its output blocked by channel vectors, one reading an input already in
 * the padded blocked layout, and the group norm + SiLU that turns the first into the second.
 */
class BlockedLayoutTest {
    private static final int L = CpuWinograd.lanes();

    private static CpuConv2d.Dims same(int n, int ci, int h, int w, int co) {
        return new CpuConv2d.Dims(n, ci, h, w, co, 3, 3, h, w, Conv2dGeometry.of(1, 1));
    }

    /** [n][c][h·w] → [n][c / L][h·w][L]. */
    private static float[] toBlocked(float[] x, int n, int c, int hw) {
        float[] b = new float[x.length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < hw; p++) b[(((i * (c / L) + ch / L) * hw) + p) * L + ch % L] = x[(i * c + ch) * hw + p];
        return b;
    }

    /** The padded blocked layout the transforms read, built element by element from NCHW. */
    private static float[] toPadded(float[] x, int n, int c, int h, int w, CpuWinograd.PaddedInput in) {
        float[] b = new float[in.size(n)];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int xx = 0; xx < w; xx++)
                        b[(i * in.blocks() + ch / L) * in.plane() + ((y + in.padTop()) * in.wp() + xx + in.padLeft()) * L + ch % L]
                                = x[((i * c + ch) * h + y) * w + xx];
        return b;
    }

    @ParameterizedTest(name = "n {0}, {1} -> {2} channels, {3}x{4}")
    @CsvSource({"2, 32, 32, 28, 28", "3, 64, 96, 7, 7", "1, 16, 48, 13, 9"})
    void winogradWritesAndReadsTheBlockedLayoutsExactly(int n, int ci, int co, int h, int w) {
        Random r = new Random(7);
        CpuConv2d.Dims d = same(n, ci, h, w, co);
        float[] x = Check.randomArray(r, n * ci * h * w, 1), wt = Check.randomArray(r, co * ci * 9, 0.1);
        float[] perImage = Check.randomArray(r, n * co, 1);
        ArrayPool pool = new ArrayPool(0);

        float[] nchw = new float[n * co * h * w], blocked = new float[n * co * h * w];
        CpuWinograd.forward(CpuWinograd.tile(), x, false, wt, false, perImage, d, nchw, null, false, pool);
        CpuWinograd.forward(CpuWinograd.tile(), x, false, wt, false, perImage, d, blocked, null, true, pool);
        assertArrayEquals(toBlocked(nchw, n, co, h * w), blocked, "blocked output = NCHW output, rearranged");

        // the per-image bias: image i, channel c gets perImage[i·co + c]
        float[] noBias = new float[n * co * h * w];
        CpuWinograd.forward(CpuWinograd.tile(), x, false, wt, false, null, d, noBias, null, false, pool);
        for (int i = 0; i < n; i++)
            for (int c = 0; c < co; c++)
                assertEquals(noBias[(i * co + c) * h * w] + perImage[i * co + c], nchw[(i * co + c) * h * w], 1e-5f);

        float[] fromPadded = new float[n * co * h * w];
        float[] padded = toPadded(x, n, ci, h, w, CpuWinograd.PaddedInput.of(d));
        CpuWinograd.forward(CpuWinograd.tile(), padded, true, wt, false, perImage, d, fromPadded, null, false, pool);
        assertArrayEquals(nchw, fromPadded, "input given padded = input copied from NCHW");

        // a residual is added to every output value, in whole and in cut tiles alike
        float[] residual = Check.randomArray(r, n * co * h * w, 3), withResidual = new float[n * co * h * w], want = new float[n * co * h * w];
        for (int i = 0; i < want.length; i++) want[i] = residual[i] + nchw[i];
        CpuWinograd.forward(CpuWinograd.tile(), x, false, wt, false, perImage, d, withResidual, residual, false, pool);
        assertArrayEquals(want, withResidual, "output with a residual = residual + output");
    }

    @ParameterizedTest(name = "from {6}: n {0}, {1} channels in {2} groups, {3}x{4}, offset {5}")
    @CsvSource({"2, 32, 32, 28, 28, 0, blocked", "3, 96, 32, 7, 7, 0, blocked", "1, 64, 8, 13, 9, 50, blocked", "2, 48, 16, 33, 33, -20, blocked",
            "2, 32, 32, 28, 28, 0, NCHW", "3, 64, 32, 7, 7, 0, NCHW", "1, 64, 8, 13, 9, 50, NCHW", "2, 128, 32, 14, 14, -20, NCHW"})
    void groupNormSiluIntoPaddedMatchesNchw(int n, int c, int groups, int h, int w, float offset, String from) {
        Random r = new Random(3);
        float[] x = Check.randomArray(r, n * c * h * w, 2), gamma = Check.randomArray(r, c, 1), beta = Check.randomArray(r, c, 1);
        for (int i = 0; i < x.length; i++) x[i] += offset;
        float[] y = new float[x.length], mean = new float[n * groups], rstd = new float[n * groups];
        CpuGroupNorm.forward(x, gamma, beta, n, c, h * w, groups, 1e-6f, true, y, mean, rstd);

        CpuWinograd.PaddedInput into = CpuWinograd.PaddedInput.of(same(n, c, h, w, c));
        float[] xb = new float[into.size(n)];
        java.util.Arrays.fill(xb, Float.NaN);  // every element, borders included, must be written
        if (from.equals("NCHW")) CpuBlockedGroupNorm.siluIntoPaddedFromNchw(x, gamma, beta, n, c, h, w, groups, 1e-6f, xb, into);
        else CpuBlockedGroupNorm.siluIntoPadded(toBlocked(x, n, c, h * w), gamma, beta, n, c, h, w, groups, 1e-6f, xb, into);
        Check.maxRelative("group norm + silu from " + from + " into the padded layout vs NCHW", xb, toPadded(y, n, c, h, w, into), 2e-6);
    }
}
