// Layout and resampling: channel copies (concat/slice), nearest ×2 upsampling and 2×2 average
// pooling with their backwards. One thread per output element.
#include "common.cuh"

// dst[n, dstOff + c, q] = src[n, srcOff + c, q] for c < count, q < hw.
extern "C" __global__ void copy_channels(float* dst, int dstC, int dstOff, const float* src, int srcC, int srcOff,
                                         int count, int n, int hw) {
    long long total = (long long)n * count * hw;
    GRID_STRIDE(i, total) {
        long long q = i % hw, r = i / hw;
        long long c = r % count, b = r / count;
        dst[(b * dstC + dstOff + c) * hw + q] = src[(b * srcC + srcOff + c) * hw + q];
    }
}

// planes = N·C; x is planes x h x w, out planes x 2h x 2w.
extern "C" __global__ void upsample_nearest2x_fwd(float* out, const float* x, int planes, int h, int w) {
    long long total = (long long)planes * 4 * h * w;
    int w2 = 2 * w, h2 = 2 * h;
    GRID_STRIDE(i, total) {
        int xx = (int)(i % w2);
        long long r = i / w2;
        int y = (int)(r % h2);
        long long pl = r / h2;
        out[i] = x[(pl * h + (y >> 1)) * w + (xx >> 1)];
    }
}

// out (planes x h x w) = sum of each 2x2 block of g (planes x 2h x 2w), as (g00 + g01) + (g10 + g11).
extern "C" __global__ void upsample_nearest2x_bwd(float* out, const float* g, int planes, int h, int w) {
    long long total = (long long)planes * h * w;
    int w2 = 2 * w;
    GRID_STRIDE(i, total) {
        int xx = (int)(i % w);
        long long r = i / w;
        int y = (int)(r % h);
        long long pl = r / h;
        const float* r0 = g + (pl * 2 * h + 2 * y) * w2 + 2 * xx;
        const float* r1 = r0 + w2;
        out[i] = __fadd_rn(__fadd_rn(r0[0], r0[1]), __fadd_rn(r1[0], r1[1]));
    }
}

// out (planes x h/2 x w/2) = mean of each 2x2 window of x (planes x h x w).
extern "C" __global__ void avg_pool2x2_fwd(float* out, const float* x, int planes, int h, int w) {
    int ho = h / 2, wo = w / 2;
    long long total = (long long)planes * ho * wo;
    GRID_STRIDE(i, total) {
        int xx = (int)(i % wo);
        long long r = i / wo;
        int y = (int)(r % ho);
        long long pl = r / ho;
        const float* r0 = x + (pl * h + 2 * y) * w + 2 * xx;
        const float* r1 = r0 + w;
        out[i] = __fmul_rn(__fadd_rn(__fadd_rn(r0[0], r0[1]), __fadd_rn(r1[0], r1[1])), 0.25f);
    }
}

// out (planes x h x w): g/4 spread over each window; 0 in a trailing odd row or column.
extern "C" __global__ void avg_pool2x2_bwd(float* out, const float* g, int planes, int h, int w) {
    int ho = h / 2, wo = w / 2;
    long long total = (long long)planes * h * w;
    GRID_STRIDE(i, total) {
        int xx = (int)(i % w);
        long long r = i / w;
        int y = (int)(r % h);
        long long pl = r / h;
        int oy = y >> 1, ox = xx >> 1;
        out[i] = (oy < ho && ox < wo) ? __fmul_rn(g[(pl * ho + oy) * wo + ox], 0.25f) : 0.f;
    }
}
