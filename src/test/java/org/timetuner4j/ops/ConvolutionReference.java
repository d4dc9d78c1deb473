package org.timetuner4j.ops;

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

    /** gx[n, c, iy, ix] = Σ_{o,oy,ox,ky,kx : iy = oy·s + ky − pt, ix = ox·s + kx − pl} gy[n, o, oy, ox] · w[o, c, ky, kx]. */
    static float[] inputGradient(float[] gout, float[] wt, int n, int ci, int h, int w, int co, int k, Conv2dGeometry g) {
        int ho = g.outHeight(h, k), wo = g.outWidth(w, k);
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
        return rf;
    }

    /** gw[o, c, ky, kx] = Σ_{n,oy,ox} gy[n, o, oy, ox] · x[n, c, oy·s + ky − pt, ox·s + kx − pl]. */
    static float[] weightGradient(float[] x, float[] gout, int n, int ci, int h, int w, int co, int k, Conv2dGeometry g) {
        int ho = g.outHeight(h, k), wo = g.outWidth(w, k);
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
        return ref;
    }
}
