// Philox4x32-10 (Salmon et al. 2011), the counter-based generator shared with the CPU backend
// (backend/cpu/Philox.java): value i of a stream depends only on (seed, offset + i).
// Normal: Box–Muller in double on words 0/1 of the block for counter ⌊i/2⌋ (cos for even i,
// sin for odd i). Uniform: (word0 >> 8)·2^-24 of the block for counter i.
#include "common.cuh"

struct Words { unsigned int w0, w1, w2, w3; };

__device__ __forceinline__ Words philox_block(unsigned long long counter, unsigned long long key) {
    unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0, c3 = 0;
    unsigned int k0 = (unsigned int)key, k1 = (unsigned int)(key >> 32);
    for (int round = 0; round < 10; round++) {
        unsigned int hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        unsigned int hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        unsigned int n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    Words w = {c0, c1, c2, c3};
    return w;
}

__device__ __forceinline__ float philox_normal(unsigned long long seed, unsigned long long index) {
    Words b = philox_block(index >> 1, seed);
    const double inv24 = 1.0 / 16777216.0;
    double u1 = ((b.w0 >> 8) + 1) * inv24;
    double u2 = (b.w1 >> 8) * inv24;
    double r = sqrt(-2.0 * log(u1));
    double a = 6.283185307179586 * u2;  // 2π as Java's 2 * Math.PI
    return (float)(r * ((index & 1) == 0 ? cos(a) : sin(a)));
}

__device__ __forceinline__ float philox_uniform(unsigned long long seed, unsigned long long index) {
    return (float)((philox_block(index, seed).w0 >> 8) * (1.0 / 16777216.0));
}

extern "C" __global__ void philox_randn(float* out, int n, unsigned long long seed, unsigned long long offset) {
    GRID_STRIDE(i, n) out[i] = philox_normal(seed, offset + i);
}

// Row k (of `rows`, d values each) has its own stream offset offsets[k].
extern "C" __global__ void philox_randn_rows(float* out, int rows, int d, unsigned long long seed,
                                             const unsigned long long* offsets) {
    long long total = (long long)rows * d;
    GRID_STRIDE(i, total) {
        long long k = i / d, j = i % d;
        out[i] = philox_normal(seed, offsets[k] + j);
    }
}

extern "C" __global__ void philox_rand(float* out, int n, unsigned long long seed, unsigned long long offset) {
    GRID_STRIDE(i, n) out[i] = philox_uniform(seed, offset + i);
}

// Inverted dropout: 0 where the uniform value is < p, else keep (= fl(1/(1−p)) from the host).
extern "C" __global__ void philox_dropout_mask(float* out, int n, float p, float keep,
                                               unsigned long long seed, unsigned long long offset) {
    GRID_STRIDE(i, n) out[i] = philox_uniform(seed, offset + i) < p ? 0.f : keep;
}
