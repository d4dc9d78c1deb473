package org.timetuner4j.backend.cpu;

/** Channel concat/slice, nearest ×2 upsampling and 2×2 average pooling, with backwards. */
final class CpuResample {
    private CpuResample() {}

    static void concatChannels(float[] a, int ca, float[] b, int cb, int n, int hw, float[] out) {
        Parallel.forEach(n, i -> {
            System.arraycopy(a, i * ca * hw, out, i * (ca + cb) * hw, ca * hw);
            System.arraycopy(b, i * cb * hw, out, (i * (ca + cb) + ca) * hw, cb * hw);
        });
    }

    static void sliceChannels(float[] x, int c, int start, int count, int n, int hw, float[] out) {
        for (int i = 0; i < n; i++) System.arraycopy(x, (i * c + start) * hw, out, i * count * hw, count * hw);
    }

    static void upsampleNearest2x(float[] x, int planes, int h, int w, float[] out) {
        int w2 = 2 * w;
        Parallel.forEach(planes, pl -> {
            int src = pl * h * w, dst = pl * 4 * h * w;
            for (int y = 0; y < 2 * h; y++) {
                int row = src + (y >> 1) * w, o = dst + y * w2;
                for (int xx = 0; xx < w2; xx++) out[o + xx] = x[row + (xx >> 1)];
            }
        });
    }

    static void upsampleNearest2xBackward(float[] g, int planes, int h, int w, float[] out) {
        int w2 = 2 * w;
        Parallel.forEach(planes, pl -> {
            int src = pl * 4 * h * w, dst = pl * h * w;
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++) {
                    int r0 = src + 2 * y * w2 + 2 * xx, r1 = r0 + w2;
                    out[dst + y * w + xx] = (g[r0] + g[r0 + 1]) + (g[r1] + g[r1 + 1]);
                }
        });
    }

    /** Output h/2 × w/2 (floor), each the mean of its 2×2 window. */
    static void avgPool2x2(float[] x, int planes, int h, int w, float[] out) {
        int ho = h / 2, wo = w / 2;
        Parallel.forEach(planes, pl -> {
            int src = pl * h * w, dst = pl * ho * wo;
            for (int y = 0; y < ho; y++)
                for (int xx = 0; xx < wo; xx++) {
                    int r0 = src + 2 * y * w + 2 * xx, r1 = r0 + w;
                    out[dst + y * wo + xx] = ((x[r0] + x[r0 + 1]) + (x[r1] + x[r1 + 1])) * 0.25f;
                }
        });
    }

    static void avgPool2x2Backward(float[] g, int planes, int h, int w, float[] out) {
        int ho = h / 2, wo = w / 2;
        Parallel.forEach(planes, pl -> {
            int src = pl * ho * wo, dst = pl * h * w;
            for (int y = 0; y < ho; y++)
                for (int xx = 0; xx < wo; xx++) {
                    float v = g[src + y * wo + xx] * 0.25f;
                    int r0 = dst + 2 * y * w + 2 * xx, r1 = r0 + w;
                    out[r0] = v; out[r0 + 1] = v; out[r1] = v; out[r1 + 1] = v;
                }
        });
    }
}
