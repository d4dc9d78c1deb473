// 2-D convolution (cross-correlation, NCHW input, OIHW weight, stride s, padding top/left
// pt/pl; bottom/right padding only shapes ho/wo) as implicit GEMM on the shared tile engine:
//   conv2d_fwd         out[n,o,p]  = Σ_k w[o,k]·col_n[k,p] + b[o]      M=Co, N=Nimg·P, K=Ci·kh·kw
//   conv2d_bwd_input   gx[n,c,q]   = Σ_(o,ky,kx) w[o,c,ky,kx]·gout[n,o,(q+pad−k)/s]   M=Ci, N=Nimg·H·W
//   conv2d_bwd_weight  gw[o,k]     = Σ_(n,p) gout[n,o,p]·col_n[k,p]    M=Co, N=K, split over (n,p)
//   conv2d_bwd_bias    gb[o]       = Σ_(n,p) gout[n,o,p]
// with col_n[(c,ky,kx),(oy,ox)] = x[n,c,oy·s+ky−pt,ox·s+kx−pl] (0 outside the image).
// No column matrix is materialised and no output is written by two blocks (deterministic).
#include "tile_gemm.cuh"

struct ConvDims {
    int n, ci, h, w, co, kh, kw, ho, wo, s, pt, pl;
};

// x through the im2col view: (k, j) with k = (c,ky,kx), j = (n,oy,ox).
__device__ __forceinline__ float im2col(const float* x, const ConvDims& d, int k, int j) {
    int kk = d.kh * d.kw, p = d.ho * d.wo;
    int c = k / kk, rem = k % kk, ky = rem / d.kw, kx = rem % d.kw;
    int n = j / p, q = j % p, oy = q / d.wo, ox = q % d.wo;
    int iy = oy * d.s + ky - d.pt, ix = ox * d.s + kx - d.pl;
    if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.w) return 0.f;
    return x[(((long long)n * d.ci + c) * d.h + iy) * d.w + ix];
}

struct FwdW {  // A(o, k) = w[o, k]
    const float* w; int k;
    static const bool K_FASTEST = true;
    __device__ float operator()(int o, int kk) const { return w[(long long)o * k + kk]; }
};
struct FwdCols {  // B(k, j)
    const float* x; ConvDims d;
    static const bool K_FASTEST = false;
    __device__ float operator()(int k, int j) const { return im2col(x, d, k, j); }
};
struct FwdStore {
    float* out; const float* bias; int co, p;
    __device__ void operator()(int o, int j, float v) const {
        int n = j / p, q = j % p;
        out[((long long)n * co + o) * p + q] = bias ? __fadd_rn(v, bias[o]) : v;
    }
};

extern "C" __global__ void conv2d_fwd(float* out, const float* x, const float* w, const float* bias,
                                      int n, int ci, int h, int wd, int co, int kh, int kw, int ho, int wo,
                                      int s, int pt, int pl) {
    ConvDims d = {n, ci, h, wd, co, kh, kw, ho, wo, s, pt, pl};
    int k = ci * kh * kw, p = ho * wo;
    FwdW a = {w, k};
    FwdCols b = {x, d};
    FwdStore st = {out, bias, co, p};
    tile_gemm(co, n * p, 0, k, a, b, st);
}

struct BinW {  // A(c, k) with k = (o,ky,kx): w[o, c, ky, kx]
    const float* w; int ci, kk;
    static const bool K_FASTEST = true;
    __device__ float operator()(int c, int k) const {
        int o = k / kk, rem = k % kk;
        return w[((long long)o * ci + c) * kk + rem];
    }
};
struct BinGout {  // B(k, j) with j = (n,iy,ix): the gout element that x[n,c,iy,ix] fed through (ky,kx)
    const float* g; ConvDims d;
    static const bool K_FASTEST = false;
    __device__ float operator()(int k, int j) const {
        int kk = d.kh * d.kw, hw = d.h * d.w;
        int o = k / kk, rem = k % kk, ky = rem / d.kw, kx = rem % d.kw;
        int n = j / hw, q = j % hw, iy = q / d.w, ix = q % d.w;
        int ty = iy + d.pt - ky, tx = ix + d.pl - kx;
        if (ty < 0 || tx < 0 || ty % d.s != 0 || tx % d.s != 0) return 0.f;
        int oy = ty / d.s, ox = tx / d.s;
        if (oy >= d.ho || ox >= d.wo) return 0.f;
        return g[(((long long)n * d.co + o) * d.ho + oy) * d.wo + ox];
    }
};
struct BinStore {
    float* gx; int ci, hw;
    __device__ void operator()(int c, int j, float v) const {
        int n = j / hw, q = j % hw;
        gx[((long long)n * ci + c) * hw + q] = v;
    }
};

extern "C" __global__ void conv2d_bwd_input(float* gx, const float* gout, const float* w,
                                            int n, int ci, int h, int wd, int co, int kh, int kw, int ho, int wo,
                                            int s, int pt, int pl) {
    ConvDims d = {n, ci, h, wd, co, kh, kw, ho, wo, s, pt, pl};
    BinW a = {w, ci, kh * kw};
    BinGout b = {gout, d};
    BinStore st = {gx, ci, h * wd};
    tile_gemm(ci, n * h * wd, 0, co * kh * kw, a, b, st);
}

struct BwGout {  // A(o, j) = gout[n, o, q] with j = (n, q)
    const float* g; int co, p;
    static const bool K_FASTEST = true;
    __device__ float operator()(int o, int j) const {
        int n = j / p, q = j % p;
        return g[((long long)n * co + o) * p + q];
    }
};
struct BwCols {  // B(j, k) = col_n[k, q]
    const float* x; ConvDims d;
    static const bool K_FASTEST = true;
    __device__ float operator()(int j, int k) const { return im2col(x, d, k, j); }
};
struct BwStore {
    float* out; int k;
    __device__ void operator()(int o, int kk, float v) const { out[(long long)o * k + kk] = v; }
};

// Split over the reduction: blockIdx.z handles (n,p) indices [z·chunk, (z+1)·chunk) and writes
// its partial product to part[z] (Co x K); conv2d_bwd_weight_sum adds the parts in order. With
// one split, part is the weight gradient itself.
extern "C" __global__ void conv2d_bwd_weight(float* part, const float* x, const float* gout, int chunk,
                                             int n, int ci, int h, int wd, int co, int kh, int kw, int ho, int wo,
                                             int s, int pt, int pl) {
    ConvDims d = {n, ci, h, wd, co, kh, kw, ho, wo, s, pt, pl};
    int k = ci * kh * kw, p = ho * wo, total = n * p;
    int begin = blockIdx.z * chunk, end = min(total, begin + chunk);
    BwGout a = {gout, co, p};
    BwCols b = {x, d};
    BwStore st = {part + (long long)blockIdx.z * co * k, k};
    tile_gemm(co, k, begin, end, a, b, st);
}

extern "C" __global__ void conv2d_bwd_weight_sum(float* gw, const float* part, int splits, int size) {
    GRID_STRIDE(i, size) {
        float s = 0.f;
        for (int z = 0; z < splits; z++) s = __fadd_rn(s, part[(long long)z * size + i]);
        gw[i] = s;
    }
}

// One block per output channel.
extern "C" __global__ void conv2d_bwd_bias(float* gb, const float* gout, int n, int co, int p) {
    __shared__ double sh[THREADS];
    int o = blockIdx.x;
    double s = 0;
    for (int i = 0; i < n; i++) {
        const float* row = gout + ((long long)i * co + o) * p;
        for (int j = threadIdx.x; j < p; j += THREADS) s += row[j];
    }
    s = block_sum(s, sh);
    if (threadIdx.x == 0) gb[o] = (float)s;
}
