// Whole-tensor sums: each block of reduce_partial sums a grid-stride share of x (or of x²) in
// double; reduce_finish adds the partials in block order. Deterministic for a given grid size.
#include "common.cuh"

extern "C" __global__ void reduce_partial(double* partial, const float* x, int n, int square) {
    __shared__ double sh[THREADS];
    double s = 0;
    GRID_STRIDE(i, n) {
        double v = x[i];
        s += square ? v * v : v;
    }
    s = block_sum(s, sh);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
}

// One block: out[0] = Σ partial.
extern "C" __global__ void reduce_finish(float* out, const double* partial, int count) {
    __shared__ double sh[THREADS];
    double s = 0;
    for (int i = threadIdx.x; i < count; i += THREADS) s += partial[i];
    s = block_sum(s, sh);
    if (threadIdx.x == 0) out[0] = (float)s;
}
