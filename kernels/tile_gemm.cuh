// The one tiled matrix-multiply engine behind gemm.cu and conv.cu. A block of THREADS (256)
// threads computes a TILE_M x TILE_N tile of C = A·B over k in [kBegin, kEnd); each thread owns a
// 4x4 set of outputs strided by 16 rows/columns (conflict-free shared-memory reads). Operands are
// read through loader functors (plain matrices, or implicit im2col views of a convolution), so
// the convolutions never materialise their column matrices. A loader's K_FASTEST says whether
// consecutive k are adjacent in memory (then the tile is filled k-fastest, for coalescing).
#pragma once
#include "common.cuh"

#define TILE_M 64
#define TILE_N 64
#define TILE_K 16

template <class LoadA, class LoadB, class Store>
__device__ __forceinline__ void tile_gemm(int M, int N, int kBegin, int kEnd,
                                          const LoadA& A, const LoadB& B, const Store& store) {
    __shared__ float As[TILE_K][TILE_M];
    __shared__ float Bs[TILE_K][TILE_N];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int row0 = blockIdx.y * TILE_M, col0 = blockIdx.x * TILE_N;
    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.f;

    for (int k0 = kBegin; k0 < kEnd; k0 += TILE_K) {
        for (int l = 0; l < (TILE_K * TILE_M) / THREADS; l++) {
            int e = tid + THREADS * l;
            int m, ka;
            if (LoadA::K_FASTEST) { m = e / TILE_K; ka = e % TILE_K; } else { ka = e / TILE_M; m = e % TILE_M; }
            int r = row0 + m, k = k0 + ka;
            As[ka][m] = (r < M && k < kEnd) ? A(r, k) : 0.f;
            int c, kb;
            if (LoadB::K_FASTEST) { c = e / TILE_K; kb = e % TILE_K; } else { kb = e / TILE_N; c = e % TILE_N; }
            int col = col0 + c, k2 = k0 + kb;
            Bs[kb][c] = (col < N && k2 < kEnd) ? B(k2, col) : 0.f;
        }
        __syncthreads();
        for (int kk = 0; kk < TILE_K; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            int r = row0 + ty + 16 * i, c = col0 + tx + 16 * j;
            if (r < M && c < N) store(r, c, acc[i][j]);
        }
}
