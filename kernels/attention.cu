// The row-wise parts of single-head softmax attention; the products around them (S = qᵀk,
// out = v·Aᵀ and the backward products) run on the batched GEMM in gemm.cu.
#include "common.cuh"

// One block per row of `cols` scores: p = softmax(scale·s), in place. The CPU backend's order:
// scaled scores rounded to float, max, e = expf(s − max) (float), sum in double, then
// p = e·fl(1/sum).
extern "C" __global__ void softmax_rows_fwd(float* s, int cols, float scale) {
    __shared__ double sh[THREADS];
    __shared__ float shm[THREADS];
    float* row = s + (long long)blockIdx.x * cols;
    float mx = -INFINITY;
    for (int j = threadIdx.x; j < cols; j += THREADS) {
        float v = __fmul_rn(row[j], scale);
        row[j] = v;
        mx = fmaxf(mx, v);
    }
    mx = block_max(mx, shm);
    double sum = 0;
    for (int j = threadIdx.x; j < cols; j += THREADS) {
        float e = expf(__fsub_rn(row[j], mx));
        row[j] = e;
        sum += e;
    }
    sum = block_sum(sum, sh);
    float inv = (float)(1.0 / sum);
    for (int j = threadIdx.x; j < cols; j += THREADS) row[j] = __fmul_rn(row[j], inv);
}

// One block per row, in place on gs (the gradient w.r.t. the probabilities):
// gs ← p ⊙ (gs − Σ gs⊙p)·scale, the gradient w.r.t. the unscaled scores. Float products, the
// sum accumulated in double.
extern "C" __global__ void softmax_rows_bwd(float* gs, const float* p, int cols, float scale) {
    __shared__ double sh[THREADS];
    float* row = gs + (long long)blockIdx.x * cols;
    const float* pr = p + (long long)blockIdx.x * cols;
    double dot = 0;
    for (int j = threadIdx.x; j < cols; j += THREADS) dot += __fmul_rn(row[j], pr[j]);
    float fdot = (float)block_sum(dot, sh);
    for (int j = threadIdx.x; j < cols; j += THREADS)
        row[j] = __fmul_rn(__fmul_rn(pr[j], __fsub_rn(row[j], fdot)), scale);
}
