package org.timetuner4j.backend.cpu;

import org.timetuner4j.backend.Conv2dGeometry;

/** The convolution's defining sum, in double precision, one output at a time. */
final class ConvolutionReference {
    private ConvolutionReference() {}

    /** y[n, o, oy, ox] = b[o] + Σ_{c,ky,kx} x[n, c, oy·s + ky − pt, ox·s + kx − pl] · w[o, c, ky, kx] (zero outside x). */
    static float[] forward(float[] x, float[] wt, float[] b, int n, int ci, int h, int w, int co, int k, Conv2dGeometry g) {
        int ho = g.outHeight(h, k), wo = g.outWidth(w, k);
        float[] ref = new float[n * co * ho * wo];
        for (int in = 0; in < n; in++)
            for (int o = 0; o < co; o++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++) {
                        double s = b == null ? 0 : b[o];
                        for (int c = 0; c < ci; c++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = oy * g.stride() + ky - g.padTop(), ix = ox * g.stride() + kx - g.padLeft();
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    s += (double) x[((in * ci + c) * h + iy) * w + ix] * wt[((o * ci + c) * k + ky) * k + kx];
                                }
                        ref[((in * co + o) * ho + oy) * wo + ox] = (float) s;
                    }
        return ref;
    }
}
