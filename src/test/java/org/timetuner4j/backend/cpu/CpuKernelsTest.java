package org.timetuner4j.backend.cpu;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fast CPU kernels against plain reference formulas and against values PyTorch printed. */
class CpuKernelsTest {
    private final CpuBackend be = CpuBackend.INSTANCE;

    @Test void convolutionMatchesDirectFormula() {
        Random r = new Random(3);
        Conv2dGeometry[] geoms = {Conv2dGeometry.of(1, 1), Conv2dGeometry.of(1, 0), new Conv2dGeometry(2, 0, 1, 0, 1), Conv2dGeometry.of(2, 1)};
        int[][] cases = {{2, 5, 9, 7, 6, 3}, {3, 4, 17, 17, 8, 3}, {1, 3, 6, 6, 2, 1}, {2, 40, 20, 20, 33, 3}};
        for (int[] cs : cases)
            for (Conv2dGeometry g : geoms) {
                int n = cs[0], ci = cs[1], h = cs[2], w = cs[3], co = cs[4], k = cs[5];
                float[] x = Check.randomArray(r, n * ci * h * w, 1), wt = Check.randomArray(r, co * ci * k * k, 1), b = Check.randomArray(r, co, 1);
                Tensor y = be.conv2dForward(be.fromHost(x, Shape.of(n, ci, h, w)), be.fromHost(wt, Shape.of(co, ci, k, k)),
                        be.fromHost(b, Shape.of(co)), g);
                float[] ref = ConvolutionReference.forward(x, wt, b, n, ci, h, w, co, k, g);
                Check.maxRelative("conv " + java.util.Arrays.toString(cs) + " " + g, y.toArray(), ref, 1e-5);
            }
    }

    @Test void inputGradientMatchesDirectFormula() {
        Random r = new Random(4);
        Conv2dGeometry[] geoms = {Conv2dGeometry.of(1, 1), new Conv2dGeometry(1, 0, 2, 1, 0), Conv2dGeometry.of(2, 1),
                new Conv2dGeometry(2, 0, 1, 0, 1), Conv2dGeometry.of(1, 0)};
        int[][] cases = {{2, 5, 9, 7, 6, 3}, {1, 3, 6, 6, 4, 1}, {2, 33, 10, 10, 20, 3}};
        for (int[] cs : cases)
            for (Conv2dGeometry g : geoms) {
                int n = cs[0], ci = cs[1], h = cs[2], w = cs[3], co = cs[4], k = cs[5];
                int ho = g.outHeight(h, k), wo = g.outWidth(w, k);
                float[] gout = Check.randomArray(r, n * co * ho * wo, 1), wt = Check.randomArray(r, co * ci * k * k, 1);
                float[] got = be.conv2dBackwardInput(be.fromHost(gout, Shape.of(n, co, ho, wo)), be.fromHost(wt, Shape.of(co, ci, k, k)),
                        g, Shape.of(n, ci, h, w)).toArray();
                double[] ref = new double[n * ci * h * w];
                for (int in = 0; in < n; in++)
                    for (int o = 0; o < co; o++)
                        for (int oy = 0; oy < ho; oy++)
                            for (int ox = 0; ox < wo; ox++)
                                for (int c = 0; c < ci; c++)
                                    for (int ky = 0; ky < k; ky++)
                                        for (int kx = 0; kx < k; kx++) {
                                            int iy = oy * g.stride() + ky - g.padTop(), ix = ox * g.stride() + kx - g.padLeft();
                                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                            ref[((in * ci + c) * h + iy) * w + ix] +=
                                                    (double) gout[((in * co + o) * ho + oy) * wo + ox] * wt[((o * ci + c) * k + ky) * k + kx];
                                        }
                float[] rf = new float[ref.length];
                for (int i = 0; i < rf.length; i++) rf[i] = (float) ref[i];
                Check.maxRelative("conv grad input " + java.util.Arrays.toString(cs) + " " + g, got, rf, 1e-5);
            }
    }

    @Test void weightGradientMatchesDirectFormula() {
        Random r = new Random(6);
        Conv2dGeometry[] geoms = {Conv2dGeometry.of(1, 1), new Conv2dGeometry(1, 0, 2, 1, 0), Conv2dGeometry.of(2, 1),
                new Conv2dGeometry(2, 0, 1, 0, 1), Conv2dGeometry.of(1, 0)};
        int[][] cases = {{2, 5, 9, 7, 6, 3}, {1, 3, 6, 6, 4, 1}, {3, 33, 10, 10, 20, 3}, {2, 4, 3, 5, 37, 3}};
        for (int threads : new int[] {1, 2, 3}) {
            int before = Parallel.threads();
            Parallel.setThreads(threads);
            try {
                for (int[] cs : cases)
                    for (Conv2dGeometry g : geoms) {
                        int n = cs[0], ci = cs[1], h = cs[2], w = cs[3], co = cs[4], k = cs[5];
                        int ho = g.outHeight(h, k), wo = g.outWidth(w, k);
                        float[] x = Check.randomArray(r, n * ci * h * w, 1), gout = Check.randomArray(r, n * co * ho * wo, 1);
                        float[] got = be.conv2dBackwardWeight(be.fromHost(x, Shape.of(n, ci, h, w)), be.fromHost(gout, Shape.of(n, co, ho, wo)),
                                g, Shape.of(co, ci, k, k)).toArray();
                        float[] ref = new float[co * ci * k * k];
                        for (int o = 0; o < co; o++)
                            for (int c = 0; c < ci; c++)
                                for (int ky = 0; ky < k; ky++)
                                    for (int kx = 0; kx < k; kx++) {
                                        double s = 0;
                                        for (int in = 0; in < n; in++)
                                            for (int oy = 0; oy < ho; oy++)
                                                for (int ox = 0; ox < wo; ox++) {
                                                    int iy = oy * g.stride() + ky - g.padTop(), ix = ox * g.stride() + kx - g.padLeft();
                                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                                    s += (double) gout[((in * co + o) * ho + oy) * wo + ox] * x[((in * ci + c) * h + iy) * w + ix];
                                                }
                                        ref[((o * ci + c) * k + ky) * k + kx] = (float) s;
                                    }
                        Check.maxRelative("conv grad weight " + java.util.Arrays.toString(cs) + " " + g + " threads " + threads, got, ref, 1e-5);
                    }
            } finally {
                Parallel.setThreads(before);
            }
        }
    }

    /** The per-plane fast paths (h + temb[:, :, None, None] and its gradient) against the element formula. */
    @Test void perPlaneBroadcastAddAndSumMatchTheFormula() {
        Random r = new Random(5);
        Shape full = Shape.of(3, 5, 7, 6);
        float[] x = Check.randomArray(r, full.numel(), 1);
        for (Shape small : new Shape[] {Shape.of(3, 5, 1, 1), Shape.of(1, 5, 1, 1), Shape.of(5, 1, 1), Shape.of(1)}) {
            assertTrue(CpuElementwise.perPlane(small, full), small.toString());
            float[] b = Check.randomArray(r, small.numel(), 1);
            int[] st = org.timetuner4j.backend.Broadcast.strides4(small, full);
            float[] sum = new float[full.numel()];
            double[] reduced = new double[small.numel()];
            for (int i = 0; i < sum.length; i++) {
                int n = i / (5 * 42), c = i / 42 % 5;
                sum[i] = x[i] + b[n * st[0] + c * st[1]];
                reduced[n * st[0] + c * st[1]] += x[i];
            }
            Tensor tx = be.fromHost(x, full), tb = be.fromHost(b, small);
            Check.maxRelative("x + b" + small, be.add(tx, tb).toArray(), sum, 0);
            Check.maxRelative("b" + small + " + x", be.add(tb, tx).toArray(), sum, 0);
            float[] ref = new float[reduced.length];
            for (int i = 0; i < ref.length; i++) ref[i] = (float) reduced[i];
            Check.maxRelative("sumToShape to " + small, be.sumToShape(tx, small).toArray(), ref, 1e-6);
        }
        assertFalse(CpuElementwise.perPlane(Shape.of(3, 5, 7, 1), full));
        assertFalse(CpuElementwise.perPlane(Shape.of(3, 5, 1, 1), Shape.of(3, 5, 1, 1)));
    }

    /** PyTorch 2.13 CPU values of the ddim embedding (UNet spec §1.3, ch = 128). */
    @Test void timestepEmbeddingMatchesPyTorchValues() {
        float[] f = CpuTimestepEmbedding.frequencies(128);
        assertEquals(0.86398846f, f[1]);
        assertEquals(0.74647605f, f[2]);
        assertEquals(9.999999e-05f, f[63]);
        float[] e = be.timestepEmbedding(be.fromHost(new float[] {0, 1, 999}, Shape.of(3)), 128).toArray();
        float[][] expected = {
                {0, 0, 0, 1, 1, 1},
                {0.84147096f, 0.76043874f, 9.999999e-05f, 0.5403023f, 0.64940965f, 1},
                {-0.026460752f, 0.7267159f, 0.09973391f, 0.9996499f, -0.6869381f, 0.99501413f}};
        int[] cols = {0, 1, 63, 64, 65, 127};
        for (int row = 0; row < 3; row++)
            for (int j = 0; j < cols.length; j++) {
                float actual = e[row * 128 + cols[j]];
                // within 1 ulp of PyTorch (two entries are PyTorch's own 1-ulp deviation from correct rounding)
                assertEquals(expected[row][j], actual, Math.ulp(expected[row][j]) * 1.01f, "row " + row + " col " + cols[j]);
            }
    }

    /**
     * The padded input copy comes from the array pool: a recycled array full of NaN must not
     * leak into the result (every padding value and the tail slack are written).
     */
    @Test void convolutionIgnoresWhatARecycledPaddingBufferHeld() {
        Random r = new Random(13);
        int n = 2, ci = 8, h = 21, w = 19, co = 5;
        for (Conv2dGeometry g : new Conv2dGeometry[] {Conv2dGeometry.of(1, 1), new Conv2dGeometry(1, 2, 0, 1, 2), new Conv2dGeometry(2, 0, 1, 0, 1)}) {
            Tensor x = be.fromHost(Check.randomArray(r, n * ci * h * w, 1), Shape.of(n, ci, h, w));
            Tensor wt = be.fromHost(Check.randomArray(r, co * ci * 9, 1), Shape.of(co, ci, 3, 3));
            float[] clean = be.conv2dForward(x, wt, null, g).toArray();
            int hp = h + g.padTop() + g.padBottom(), wp = w + g.padLeft() + g.padRight();
            float[] poison = new float[n * ci * hp * wp + wp + 2 * Gemm.panelWidth()];
            java.util.Arrays.fill(poison, Float.NaN);
            be.fromHost(poison, Shape.of(poison.length)).close();  // its array goes back to the pool
            Check.maxRelative("conv after a NaN-filled buffer was recycled, " + g, be.conv2dForward(x, wt, null, g).toArray(), clean, 0);
        }
    }

    @Test void groupNormMatchesDoubleFormula() {
        groupNormCase(2, 64, 3, 0f);
        groupNormCase(2, 128, 33, 100f);  // groups of 4·33² values, far from zero mean: blocked, shifted sums
    }

    /** The fused op against silu(group norm) composed from the separate ops, values and all three gradients. */
    @Test void groupNormSiluMatchesComposition() {
        Random r = new Random(11);
        int n = 2, c = 64, side = 13;  // 169 positions: vector loops plus scalar tails
        Shape xs = Shape.of(n, c, side, side);
        Tensor x = be.fromHost(Check.randomArray(r, xs.numel(), 2), xs), g = be.fromHost(Check.randomArray(r, xs.numel(), 1), xs);
        Tensor gamma = be.fromHost(Check.randomArray(r, c, 1), Shape.of(c)), beta = be.fromHost(Check.randomArray(r, c, 1), Shape.of(c));
        Tensor[] fused = be.groupNormSiluForward(x, gamma, beta, 32, 1e-6f);
        Tensor[] plain = be.groupNormForward(x, gamma, beta, 32, 1e-6f);
        Check.maxRelative("fused forward", fused[0].toArray(), be.silu(plain[0]).toArray(), 1e-6);
        Tensor[] gf = be.groupNormSiluBackward(g, x, gamma, beta, fused[1], fused[2], 32);
        Tensor[] gp = be.groupNormBackward(be.siluBackward(plain[0], g), x, gamma, plain[1], plain[2], 32);
        String[] names = {"grad x", "grad gamma", "grad beta"};
        for (int i = 0; i < 3; i++) Check.maxRelative("fused " + names[i], gf[i].toArray(), gp[i].toArray(), 1e-5);
    }

    private void groupNormCase(int n, int c, int side, float offset) {
        Random r = new Random(5);
        int hw = side * side, groups = 32;
        float[] x = Check.randomArray(r, n * c * hw, 2);
        for (int i = 0; i < x.length; i++) x[i] += offset;
        float[] gamma = Check.randomArray(r, c, 1), beta = Check.randomArray(r, c, 1);
        Tensor[] out = be.groupNormForward(be.fromHost(x, Shape.of(n, c, side, side)), be.fromHost(gamma, Shape.of(c)), be.fromHost(beta, Shape.of(c)), groups, 1e-6f);
        float[] ref = new float[x.length];
        int cpg = c / groups, m = cpg * hw;
        for (int ng = 0; ng < n * groups; ng++) {
            double mu = 0, var = 0;
            for (int i = 0; i < m; i++) mu += x[ng * m + i];
            mu /= m;
            for (int i = 0; i < m; i++) var += (x[ng * m + i] - mu) * (x[ng * m + i] - mu);
            var /= m;
            for (int i = 0; i < m; i++) {
                int ch = (ng % groups) * cpg + i / hw;
                ref[ng * m + i] = (float) ((x[ng * m + i] - mu) / Math.sqrt(var + 1e-6) * gamma[ch] + beta[ch]);
            }
        }
        Check.maxRelative("group norm vs double formula, offset " + offset, out[0].toArray(), ref, 2e-6);

        // backward: gx = r·(gy·γ − mean(gy·γ) − x̂·mean(gy·γ·x̂)), gγ = Σ gy·x̂, gβ = Σ gy, in double
        float[] gy = Check.randomArray(r, x.length, 1);
        Tensor[] grads = be.groupNormBackward(be.fromHost(gy, Shape.of(n, c, side, side)), be.fromHost(x, Shape.of(n, c, side, side)),
                be.fromHost(gamma, Shape.of(c)), out[1], out[2], groups);
        float[] rgx = new float[x.length], rgg = new float[c], rgb = new float[c];
        double[] gg = new double[c], gb = new double[c];
        for (int ng = 0; ng < n * groups; ng++) {
            double mu = 0, var = 0;
            for (int i = 0; i < m; i++) mu += x[ng * m + i];
            mu /= m;
            for (int i = 0; i < m; i++) var += (x[ng * m + i] - mu) * (x[ng * m + i] - mu);
            double rs = 1 / Math.sqrt(var / m + 1e-6), sg = 0, sgx = 0;
            for (int i = 0; i < m; i++) {
                int ch = (ng % groups) * cpg + i / hw;
                double xh = (x[ng * m + i] - mu) * rs;
                sg += gy[ng * m + i] * gamma[ch];
                sgx += gy[ng * m + i] * gamma[ch] * xh;
                gg[ch] += gy[ng * m + i] * xh;
                gb[ch] += gy[ng * m + i];
            }
            for (int i = 0; i < m; i++) {
                int ch = (ng % groups) * cpg + i / hw;
                double xh = (x[ng * m + i] - mu) * rs;
                rgx[ng * m + i] = (float) (rs * (gy[ng * m + i] * gamma[ch] - sg / m - xh * sgx / m));
            }
        }
        for (int ch = 0; ch < c; ch++) { rgg[ch] = (float) gg[ch]; rgb[ch] = (float) gb[ch]; }
        Check.maxRelative("group norm grad x vs double formula, offset " + offset, grads[0].toArray(), rgx, 1e-5);
        Check.maxRelative("group norm grad gamma vs double formula, offset " + offset, grads[1].toArray(), rgg, 1e-5);
        Check.maxRelative("group norm grad beta vs double formula, offset " + offset, grads[2].toArray(), rgb, 1e-5);
    }
}
