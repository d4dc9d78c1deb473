// Group normalisation over the (C/G)·H·W values of each (sample, group), biased variance, then
// y = x·a + b per channel with a = rstd·γ, b = β − a·μ (PyTorch's form; the CPU backend's
// rounding). Statistics accumulate in double (two passes: mean, then squared deviations);
// per-element arithmetic is float. With `silu`
// set the forward writes silu(y) instead (the UNet's norm+swish pairs in one pass), and
// group_norm_silu_grad turns the gradient w.r.t. silu(y) into the gradient w.r.t. y, after
// which the plain backward kernels apply.
#include "common.cuh"

// One block per (n, g): writes y (or silu(y)), mean[ng], rstd[ng].
extern "C" __global__ void group_norm_fwd(float* y, float* mean, float* rstd, const float* x,
                                          const float* gamma, const float* beta, int c, int hw, int groups, float eps,
                                          int silu) {
    __shared__ double sh[THREADS];
    int ng = blockIdx.x, g = ng % groups, cpg = c / groups, m = cpg * hw;
    const float* xs = x + (long long)ng * m;
    float* ys = y + (long long)ng * m;
    double s = 0;
    for (int i = threadIdx.x; i < m; i += THREADS) s += xs[i];
    double mu = block_sum(s, sh) / m;
    double s2 = 0;
    float fm = (float)mu;
    for (int i = threadIdx.x; i < m; i += THREADS) {
        float d = __fsub_rn(xs[i], fm);
        s2 += __fmul_rn(d, d);
    }
    double var = block_sum(s2, sh) / m;
    float fr = (float)(1.0 / sqrt(var + (double)eps));
    if (threadIdx.x == 0) { mean[ng] = fm; rstd[ng] = fr; }
    for (int i = threadIdx.x; i < m; i += THREADS) {
        int ch = g * cpg + i / hw;
        float a = __fmul_rn(fr, gamma[ch]);
        float b = __fsub_rn(beta[ch], __fmul_rn(a, fm));
        float v = __fadd_rn(__fmul_rn(xs[i], a), b);
        ys[i] = silu ? silu_value(v) : v;
    }
}

// Grid-stride over n·c·hw: gz = gs·silu'(z) with z = x·a + b recomputed exactly as the forward did.
extern "C" __global__ void group_norm_silu_grad(float* gz, const float* gs, const float* x, const float* gamma,
                                                const float* beta, const float* mean, const float* rstd,
                                                int c, int hw, int groups, long long total) {
    int cpg = c / groups;
    GRID_STRIDE(i, total) {
        long long nc = i / hw;
        int ch = (int)(nc % c);
        long long ng = nc / c * groups + ch / cpg;
        float a = __fmul_rn(rstd[ng], gamma[ch]);
        float b = __fsub_rn(beta[ch], __fmul_rn(a, mean[ng]));
        gz[i] = silu_gradient(__fadd_rn(__fmul_rn(x[i], a), b), gs[i]);
    }
}

// One block per (n, g): gx = r·(gx̂ − mean(gx̂) − x̂·mean(gx̂·x̂)) with gx̂ = gy·γ, x̂ = (x − μ)·r.
extern "C" __global__ void group_norm_bwd_input(float* gx, const float* gy, const float* x, const float* gamma,
                                                const float* mean, const float* rstd, int c, int hw, int groups) {
    __shared__ double sh[THREADS];
    int ng = blockIdx.x, g = ng % groups, cpg = c / groups, m = cpg * hw;
    long long base = (long long)ng * m;
    float mu = mean[ng], r = rstd[ng];
    double sg = 0, sgx = 0;
    for (int i = threadIdx.x; i < m; i += THREADS) {
        float gh = __fmul_rn(gy[base + i], gamma[g * cpg + i / hw]);
        sg += gh;
        sgx += __fmul_rn(gh, __fmul_rn(__fsub_rn(x[base + i], mu), r));
    }
    float meanG = (float)(block_sum(sg, sh) / m);
    float meanGX = (float)(block_sum(sgx, sh) / m);
    for (int i = threadIdx.x; i < m; i += THREADS) {
        float xh = __fmul_rn(__fsub_rn(x[base + i], mu), r);
        float gh = __fmul_rn(gy[base + i], gamma[g * cpg + i / hw]);
        gx[base + i] = __fmul_rn(r, __fsub_rn(__fsub_rn(gh, meanG), __fmul_rn(xh, meanGX)));
    }
}

// One block per channel: gγ = Σ gy·x̂, gβ = Σ gy over samples and positions.
extern "C" __global__ void group_norm_bwd_affine(float* ggamma, float* gbeta, const float* gy, const float* x,
                                                 const float* mean, const float* rstd, int n, int c, int hw, int groups) {
    __shared__ double sh[THREADS];
    int ch = blockIdx.x, g = ch / (c / groups);
    double sg = 0, sgx = 0;
    for (int i = 0; i < n; i++) {
        int ng = i * groups + g;
        float mu = mean[ng], r = rstd[ng];
        long long off = ((long long)i * c + ch) * hw;
        for (int j = threadIdx.x; j < hw; j += THREADS) {
            float v = gy[off + j];
            sg += v;
            sgx += __fmul_rn(v, __fmul_rn(__fsub_rn(x[off + j], mu), r));
        }
    }
    sg = block_sum(sg, sh);
    sgx = block_sum(sgx, sh);
    if (threadIdx.x == 0) { ggamma[ch] = (float)sgx; gbeta[ch] = (float)sg; }
}
