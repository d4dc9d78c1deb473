// Batched matrix multiply on row-major matrices: C = op(A)·op(B) (+ bias per column), one batch
// entry per blockIdx.z (strides in elements; 0 reuses one operand). gemm_nn/nt/tn/tt name the
// transposes of A and B. With `accumulate`, C += op(A)·op(B).
#include "tile_gemm.cuh"

struct MatA {  // op(A)(r, k): A stored M x K (lda) or, transposed, K x M
    const float* p; int ld; bool trans;
    __device__ float operator()(int r, int k) const {
        return trans ? p[(long long)k * ld + r] : p[(long long)r * ld + k];
    }
};
template <bool T> struct MatAT : MatA { static const bool K_FASTEST = !T; };

struct MatB {  // op(B)(k, c): B stored K x N (ldb) or, transposed, N x K
    const float* p; int ld; bool trans;
    __device__ float operator()(int k, int c) const {
        return trans ? p[(long long)c * ld + k] : p[(long long)k * ld + c];
    }
};
template <bool T> struct MatBT : MatB { static const bool K_FASTEST = T; };

struct StoreC {
    float* p; int ld; const float* bias; int accumulate;
    __device__ void operator()(int r, int c, float v) const {
        long long i = (long long)r * ld + c;
        if (bias) v = __fadd_rn(v, bias[c]);
        p[i] = accumulate ? __fadd_rn(p[i], v) : v;
    }
};

template <bool TA, bool TB>
__device__ __forceinline__ void gemm_batched(int M, int N, int K, const float* A, int lda, long long strideA,
                                             const float* B, int ldb, long long strideB,
                                             float* C, int ldc, long long strideC, const float* bias, int accumulate) {
    long long z = blockIdx.z;
    MatAT<TA> a; a.p = A + z * strideA; a.ld = lda; a.trans = TA;
    MatBT<TB> b; b.p = B + z * strideB; b.ld = ldb; b.trans = TB;
    StoreC c; c.p = C + z * strideC; c.ld = ldc; c.bias = bias; c.accumulate = accumulate;
    tile_gemm(M, N, 0, K, a, b, c);
}

#define GEMM_ENTRY(name, TA, TB)                                                                      \
    extern "C" __global__ void name(int M, int N, int K, const float* A, int lda, long long strideA,  \
                                    const float* B, int ldb, long long strideB,                        \
                                    float* C, int ldc, long long strideC, const float* bias, int accumulate) { \
        gemm_batched<TA, TB>(M, N, K, A, lda, strideA, B, ldb, strideB, C, ldc, strideC, bias, accumulate); \
    }

GEMM_ENTRY(gemm_nn, false, false)
GEMM_ENTRY(gemm_nt, false, true)
GEMM_ENTRY(gemm_tn, true, false)
GEMM_ENTRY(gemm_tt, true, true)
