// Class-label embedding lookup and the DDPM sinusoidal time embedding, with backwards.
#include "common.cuh"

// out[i, :] = weight[idx[i], :]  (indices checked on the host).
extern "C" __global__ void embedding_fwd(float* out, const float* weight, const int* idx, int count, int d) {
    long long total = (long long)count * d;
    GRID_STRIDE(i, total) {
        long long j = i % d, r = i / d;
        out[i] = weight[(long long)idx[r] * d + j];
    }
}

// out[v, j] = Σ_{i : idx[i] = v} g[i, j], summed in float in index order (as the CPU backend).
extern "C" __global__ void embedding_bwd(float* out, const float* g, const int* idx, int count, int rows, int d) {
    long long total = (long long)rows * d;
    GRID_STRIDE(i, total) {
        int j = (int)(i % d), v = (int)(i / d);
        float s = 0.f;
        for (int r = 0; r < count; r++)
            if (idx[r] == v) s = __fadd_rn(s, g[(long long)r * d + j]);
        out[i] = s;
    }
}

// emb[n, i] = sin(fl(t_n·f_i)), emb[n, half + i] = cos(fl(t_n·f_i)) for i < half (freq: the
// host's float32 table), a zero last column when dim is odd. One thread per (n, i).
extern "C" __global__ void timestep_embedding_fwd(float* out, const float* t, const float* freq, int count, int dim) {
    int half = dim / 2;
    long long total = (long long)count * half;
    GRID_STRIDE(k, total) {
        int i = (int)(k % half), n = (int)(k / half);
        double arg = __fmul_rn(t[n], freq[i]);
        float* row = out + (long long)n * dim;
        row[i] = (float)sin(arg);
        row[half + i] = (float)cos(arg);
        if ((dim & 1) && i == 0) row[dim - 1] = 0.f;
    }
}

// gt[n] = Σ_i g_sin·f_i·cos(arg) − g_cos·f_i·sin(arg), summed in double; one block per n.
extern "C" __global__ void timestep_embedding_bwd(float* gt, const float* g, const float* t, const float* freq, int dim) {
    __shared__ double sh[THREADS];
    int n = blockIdx.x, half = dim / 2;
    const float* row = g + (long long)n * dim;
    double s = 0;
    for (int i = threadIdx.x; i < half; i += THREADS) {
        double arg = __fmul_rn(t[n], freq[i]);
        // the CPU backend rounds g·f to float before the double product
        s += (double)__fmul_rn(row[i], freq[i]) * cos(arg) - (double)__fmul_rn(row[half + i], freq[i]) * sin(arg);
    }
    s = block_sum(s, sh);
    if (threadIdx.x == 0) gt[n] = (float)s;
}
