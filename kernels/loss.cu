// Softmax cross-entropy of logits [N,K] against integer labels (checked on the host): per row
// m = max z, s = Σ expf(z − m) accumulated in double, nll = m + ln s − z_label. Per-element work
// is float (expf, products), like the other kernels; the CPU backend takes its exponentials in
// double, so the two agree to float rounding, not bit for bit.
#include "common.cuh"

// One block per row: stats[2r] = m, stats[2r+1] = ln s, and the row's nll[r] (double sums only).
extern "C" __global__ void cross_entropy_rows(float* stats, double* nll, const float* z, const int* labels, int k) {
    __shared__ double sh[THREADS];
    __shared__ float shm[THREADS];
    int r = blockIdx.x;
    const float* row = z + (long long)r * k;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < k; j += THREADS) m = fmaxf(m, row[j]);
    m = block_max(m, shm);
    double s = 0;
    for (int j = threadIdx.x; j < k; j += THREADS) s += expf(__fsub_rn(row[j], m));
    s = block_sum(s, sh);
    if (threadIdx.x == 0) {
        float logSum = logf((float)s);
        stats[2 * r] = m;
        stats[2 * r + 1] = logSum;
        nll[r] = ((double)m + (double)logSum) - (double)row[labels[r]];
    }
}

// One block: out[0] = Σ nll / n.
extern "C" __global__ void cross_entropy_mean(float* out, const double* nll, int n) {
    __shared__ double sh[THREADS];
    double s = 0;
    for (int i = threadIdx.x; i < n; i += THREADS) s += nll[i];
    s = block_sum(s, sh);
    if (threadIdx.x == 0) out[0] = (float)(s / n);
}

// gz = (g[0]/n)·(expf(z − m − ln s) − onehot), in float.
extern "C" __global__ void cross_entropy_bwd(float* gz, const float* g, const float* z, const float* stats, const int* labels,
                                             int n, int k) {
    float scale = __fdiv_rn(g[0], (float)n);
    GRID_STRIDE(i, (long long)n * k) {
        int j = (int)(i % k), r = (int)(i / k);
        float p = expf(__fsub_rn(__fsub_rn(z[i], stats[2 * r]), stats[2 * r + 1]));
        gz[i] = __fmul_rn(scale, j == labels[r] ? __fsub_rn(p, 1.f) : p);
    }
}
