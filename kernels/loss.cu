// Softmax cross-entropy of logits [N,K] against integer labels (checked on the host), in the
// CPU backend's order: per row m = max z, s = Σ exp(z − m) in double, nll = m + ln s − z_label.
#include "common.cuh"

// One block per row: stats[2r] = m, stats[2r+1] = ln s, and the row's nll[r] in double.
extern "C" __global__ void cross_entropy_rows(float* stats, double* nll, const float* z, const int* labels, int k) {
    __shared__ double sh[THREADS];
    __shared__ float shm[THREADS];
    int r = blockIdx.x;
    const float* row = z + (long long)r * k;
    float m = -INFINITY;
    for (int j = threadIdx.x; j < k; j += THREADS) m = fmaxf(m, row[j]);
    m = block_max(m, shm);
    double s = 0;
    for (int j = threadIdx.x; j < k; j += THREADS) s += exp((double)row[j] - (double)m);
    s = block_sum(s, sh);
    if (threadIdx.x == 0) {
        double logSum = log(s);
        stats[2 * r] = m;
        stats[2 * r + 1] = (float)logSum;
        nll[r] = (double)m + logSum - (double)row[labels[r]];
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

// gz = g[0]·(exp(z − m − ln s) − onehot)/n, in double.
extern "C" __global__ void cross_entropy_bwd(float* gz, const float* g, const float* z, const float* stats, const int* labels,
                                             int n, int k) {
    double scale = (double)g[0] / n;
    GRID_STRIDE(i, (long long)n * k) {
        int j = (int)(i % k), r = (int)(i / k);
        double p = exp(((double)z[i] - (double)stats[2 * r]) - (double)stats[2 * r + 1]);
        gz[i] = (float)(scale * (j == labels[r] ? p - 1.0 : p));
    }
}
