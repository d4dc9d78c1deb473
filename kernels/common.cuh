// Shared helpers for the TimeTuner4J kernels. Every kernel is extern "C" so that its PTX entry
// name is the plain function name the Java side looks up (CudaKernel). Conventions:
//  - element-wise kernels use grid-stride loops, so any grid size is correct;
//  - reductions accumulate in double and combine partial sums in a fixed order (deterministic);
//  - block-wide reductions assume THREADS (256) threads per block;
//  - no warp intrinsics and no atomics: the same code also runs under the host emulator in
//    kernels/emu (a plain C++ compile with one std::thread per CUDA thread).
#pragma once

#define THREADS 256

#define GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (long long)(n); \
         i += (long long)blockDim.x * gridDim.x)

// Sum of one double per thread over the block; every thread gets the result.
// `sh` is a __shared__ double[THREADS] of the calling kernel.
__device__ __forceinline__ double block_sum(double v, double* sh) {
    int t = threadIdx.x;
    sh[t] = v;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if (t < s) sh[t] += sh[t + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

// Maximum of one float per thread over the block; every thread gets the result.
__device__ __forceinline__ float block_max(float v, float* sh) {
    int t = threadIdx.x;
    sh[t] = v;
    __syncthreads();
    for (int s = THREADS / 2; s > 0; s >>= 1) {
        if (t < s) sh[t] = fmaxf(sh[t], sh[t + s]);
        __syncthreads();
    }
    float r = sh[0];
    __syncthreads();
    return r;
}

// SiLU, shared by elementwise.cu and the fused group norm: x·sigmoid(x) with the sigmoid in
// double, rounded to float, then the float product (PyTorch's order).
__device__ __forceinline__ float silu_value(float v) {
    float s = (float)(1.0 / (1.0 + exp(-(double)v)));
    return __fmul_rn(v, s);
}

// g·silu'(v) = g·s·(1 + v·(1 − s)), in double.
__device__ __forceinline__ float silu_gradient(double v, double g) {
    double s = 1.0 / (1.0 + exp(-v));
    return (float)(g * s * (1.0 + v * (1.0 - s)));
}
