// Shared helpers for the TimeTuner4J kernels. Every kernel is extern "C" so that its PTX entry
// name is the plain function name the Java side looks up (CudaKernel). Conventions:
//  - element-wise kernels use grid-stride loops, so any grid size is correct;
//  - per-element arithmetic is float; reductions accumulate in double and combine partial sums
//    in a fixed order (deterministic);
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

// SiLU, shared by elementwise.cu and the fused group norm, in float like the CPU backend's
// vector path: s = 1/(1 + expf(−x)) (CUDA's accurate expf, ≤ 2 ulp; no double arithmetic, which
// most GPUs run at 1/32–1/64 of the float rate), then the float product x·s (PyTorch's order).
__device__ __forceinline__ float sigmoid_f32(float v) {
    return __fdiv_rn(1.f, __fadd_rn(1.f, expf(-v)));
}

__device__ __forceinline__ float silu_value(float v) {
    return __fmul_rn(v, sigmoid_f32(v));
}

// g·silu'(v) = g·(s·(1 + v·(1 − s))), in float.
__device__ __forceinline__ float silu_gradient(float v, float g) {
    float s = sigmoid_f32(v);
    return __fmul_rn(g, __fmul_rn(s, __fadd_rn(1.f, __fmul_rn(v, __fsub_rn(1.f, s)))));
}
