// Element-wise ops: fill, broadcasting add/sub/mul (numpy rules, rank <= 4), axpby, affine,
// in-place accumulation, SiLU forward/backward, and the reduction of a broadcast gradient back
// to its operand's shape (sum_to_shape). Products and sums are rounded separately
// (__fmul_rn/__fadd_rn) so that no multiply-add is fused and results match the CPU backend bit
// for bit where it evaluates in float.
#include "common.cuh"

extern "C" __global__ void fill_f32(float* out, float value, int n) {
    GRID_STRIDE(i, n) out[i] = value;
}

// out[i0,i1,i2,i3] = a[...] op b[...] over the rank-4 output dims (d0 is implied by n);
// sa*/sb* are the operands' strides, 0 along broadcast dimensions. op: 0 add, 1 sub, 2 mul.
extern "C" __global__ void binary_bcast(float* out, const float* a, const float* b, int op, int n,
                                        int d1, int d2, int d3,
                                        int sa0, int sa1, int sa2, int sa3,
                                        int sb0, int sb1, int sb2, int sb3) {
    GRID_STRIDE(i, n) {
        int r = (int)i;
        int i3 = r % d3; r /= d3;
        int i2 = r % d2; r /= d2;
        int i1 = r % d1;
        int i0 = r / d1;
        float x = a[i0 * sa0 + i1 * sa1 + i2 * sa2 + i3 * sa3];
        float y = b[i0 * sb0 + i1 * sb1 + i2 * sb2 + i3 * sb3];
        out[i] = op == 0 ? __fadd_rn(x, y) : op == 1 ? __fsub_rn(x, y) : __fmul_rn(x, y);
    }
}

// Same-shape fast path of binary_bcast.
extern "C" __global__ void binary_same(float* out, const float* a, const float* b, int op, int n) {
    GRID_STRIDE(i, n) {
        float x = a[i], y = b[i];
        out[i] = op == 0 ? __fadd_rn(x, y) : op == 1 ? __fsub_rn(x, y) : __fmul_rn(x, y);
    }
}

extern "C" __global__ void axpby_f32(float* out, float alpha, const float* x, float beta, const float* y, int n) {
    GRID_STRIDE(i, n) out[i] = __fadd_rn(__fmul_rn(alpha, x[i]), __fmul_rn(beta, y[i]));
}

extern "C" __global__ void affine_f32(float* out, const float* x, float s, float c, int n) {
    GRID_STRIDE(i, n) out[i] = __fadd_rn(__fmul_rn(s, x[i]), c);
}

extern "C" __global__ void add_inplace_f32(float* acc, const float* g, int n) {
    GRID_STRIDE(i, n) acc[i] = __fadd_rn(acc[i], g[i]);
}

// x·sigmoid(x) (silu_value in common.cuh).
extern "C" __global__ void silu_fwd(float* out, const float* x, int n) {
    GRID_STRIDE(i, n) out[i] = silu_value(x[i]);
}

// gradOut · silu'(x) (silu_gradient in common.cuh).
extern "C" __global__ void silu_bwd(float* out, const float* x, const float* gout, int n) {
    GRID_STRIDE(i, n) out[i] = silu_gradient(x[i], gout[i]);
}

// Reduction of g (rank-4 dims d0..d3) over the dimensions whose bit is set in `reduced`
// (bit k = dimension k); the target keeps the other dimensions in order. Each target element
// sums its `count` = product of the reduced dims values in double.
__device__ __forceinline__ long long sum_to_shape_base(int j, int reduced, int d0, int d1, int d2, int d3) {
    int dims[4] = {d0, d1, d2, d3};
    long long stride = 1, base = 0;
    for (int k = 3; k >= 0; k--) {
        if (!(reduced & (1 << k))) {
            base += (long long)(j % dims[k]) * stride;
            j /= dims[k];
        }
        stride *= dims[k];
    }
    return base;
}

__device__ __forceinline__ long long sum_to_shape_offset(int r, int reduced, int d0, int d1, int d2, int d3) {
    int dims[4] = {d0, d1, d2, d3};
    long long stride = 1, off = 0;
    for (int k = 3; k >= 0; k--) {
        if (reduced & (1 << k)) {
            off += (long long)(r % dims[k]) * stride;
            r /= dims[k];
        }
        stride *= dims[k];
    }
    return off;
}

// One thread per target element (few values to sum each).
extern "C" __global__ void sum_to_shape_thread(float* out, const float* g, int targetN, int count, int reduced,
                                               int d0, int d1, int d2, int d3) {
    GRID_STRIDE(j, targetN) {
        long long base = sum_to_shape_base((int)j, reduced, d0, d1, d2, d3);
        double s = 0;
        for (int r = 0; r < count; r++) s += g[base + sum_to_shape_offset(r, reduced, d0, d1, d2, d3)];
        out[j] = (float)s;
    }
}

// One block per target element (many values to sum each).
extern "C" __global__ void sum_to_shape_block(float* out, const float* g, int count, int reduced,
                                              int d0, int d1, int d2, int d3) {
    __shared__ double sh[THREADS];
    int j = blockIdx.x;
    long long base = sum_to_shape_base(j, reduced, d0, d1, d2, d3);
    double s = 0;
    for (int r = threadIdx.x; r < count; r += THREADS) s += g[base + sum_to_shape_offset(r, reduced, d0, d1, d2, d3)];
    s = block_sum(s, sh);
    if (threadIdx.x == 0) out[j] = (float)s;
}
