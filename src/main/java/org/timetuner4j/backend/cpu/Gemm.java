package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-threaded float32 matrix multiply C += op(A)·op(B) on row-major arrays, blocked the
 * BLIS way: A is packed into panels of MR rows, B is packed into panels of NR columns (or read
 * in place, row by row), and one register-tiled micro-kernel runs on them. Callers parallelise
 * over independent products (images, channel blocks). Tested against a triple loop.
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = 4;
    static final int NR = 2 * L;
    private static final int KC = 256;
    private static final int MC = 128;
    private static final int NC = 2048;
    /** Floats of packed B per group of panels: a quarter of L2 or less, so the group stays there while A sweeps it. */
    private static final int GROUP_FLOATS = 32 * 1024;
    /** Vector FMA is emulated in software (very slowly) on CPUs without it. */
    static final boolean USE_FMA = CpuFeatures.hasFma();
    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[][] {new float[MC * KC], new float[Math.max(GROUP_FLOATS, KC * NR)], new float[MR * NR]});

    private Gemm() {}

    /**
     * Supplies op(B) directly in the kernel's panel layout, so a producer (e.g. a convolution's
     * implicit im2col) need not materialise B first.
     */
    public interface PanelSource {
        /**
         * Writes rows [pc, pc+kc) of columns [j0, j0+nc) into dst as consecutive panels of NR
         * columns (panel q at dst[q·kc·NR…], k-major, NR values per row), zero-padding the
         * columns of the last panel past nc. A source writes them in whatever order reads its
         * memory best: panel by panel, B is read as kc short pieces of kc different rows, more
         * streams than the prefetcher follows (a 1×1 convolution on an input fresh from memory
         * ran at half the speed of the same GEMM on cached data); row by row, one at a time.
         */
        void pack(int pc, int kc, int j0, int nc, float[] dst);
    }

    /** Panel q's row kk in a {@link PanelSource}'s output. */
    static int panelRow(int q, int kk, int kc) { return (q * kc + kk) * NR; }

    public static int panelWidth() { return NR; }

    /** Rows of A per tile of {@link #rowsTimesPanels}. */
    public static int rowsOfATile() { return ROWS_OF_A; }

    /** op(B) of a row-major matrix as a panel source. */
    private static PanelSource matrix(boolean transB, float[] b, int bOff, int ldb) {
        return (pc, kc, j0, nc, dst) -> {
            int full = nc / NR;
            if (transB) {
                for (int q = 0; q < full; q++) packB(true, b, bOff, ldb, pc, kc, j0 + q * NR, NR, dst, panelRow(q, 0, kc));
            } else {
                for (int kk = 0; kk < kc; kk++)
                    for (int q = 0, src = bOff + (pc + kk) * ldb + j0; q < full; q++, src += NR) {
                        int idx = panelRow(q, kk, kc);
                        FloatVector.fromArray(S, b, src).intoArray(dst, idx);
                        FloatVector.fromArray(S, b, src + L).intoArray(dst, idx + L);
                    }
            }
            if (full * NR < nc) packB(transB, b, bOff, ldb, pc, kc, j0 + full * NR, nc - full * NR, dst, panelRow(full, 0, kc));
        };
    }

    /**
     * C[M×N] += op(A)[M×K] · op(B)[K×N]. With {@code transA}, A is stored K×M (element (i,k) at
     * A[aOff + k·lda + i]); otherwise M×K (at A[aOff + i·lda + k]). Likewise for B.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) return;
        float[] packA = BUFFERS.get()[0];
        PanelSource source = matrix(transB, b, bOff, ldb);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, a, aOff, lda, ic, mc, pc, kc, packA, 0);
                    block(packA, 0, mc, kc, source, pc, jc, nc, c, cOff + ic * ldc, ldc, false);
                }
            }
        }
    }

    /** The depth of the K blocks of a prepacked A: K split into equal blocks of at most KC (no short tail block). */
    static int blockK(int k) {
        int blocks = Math.max(1, (k + KC - 1) / KC);
        return (k + blocks - 1) / blocks;
    }

    /** op(A) packed once into MR-row panels for every K block, to be shared by many products. */
    public record PackedA(float[] data, int m, int k, int paddedM) {}

    public static PackedA pack(boolean transA, int m, int k, float[] a, int aOff, int lda) {
        int paddedM = (m + MR - 1) / MR * MR;
        float[] data = new float[paddedM * k];
        int kb = blockK(k);
        for (int pc = 0; pc < k; pc += kb) packA(transA, a, aOff, lda, 0, m, pc, Math.min(kb, k - pc), data, paddedM * pc);
        return new PackedA(data, m, k, paddedM);
    }

    /** C[M×N] += A·op(B) with A prepacked by {@link #pack}. */
    public static void gemm(PackedA a, boolean transB, int n, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        gemm(a, matrix(transB, b, bOff, ldb), n, c, cOff, ldc);
    }

    /** C[M×N] += A·B with A prepacked and B produced panel by panel by {@code source}. */
    public static void gemm(PackedA a, PanelSource source, int n, float[] c, int cOff, int ldc) {
        gemm(a, source, n, c, cOff, ldc, false);
    }

    /** C[M×N] = A·op(B) with A prepacked: C's previous contents are neither read nor needed. */
    public static void product(PackedA a, boolean transB, int n, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        gemm(a, matrix(transB, b, bOff, ldb), n, c, cOff, ldc, true);
    }

    /** The first K block stores instead of adding when {@code assign}. */
    private static void gemm(PackedA a, PanelSource source, int n, float[] c, int cOff, int ldc, boolean assign) {
        int m = a.m(), k = a.k(), kb = blockK(k);
        if (m <= 0 || n <= 0 || k <= 0) return;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += kb) {
                int kc = Math.min(kb, k - pc);
                block(a.data(), a.paddedM() * pc, m, kc, source, pc, jc, nc, c, cOff, ldc, assign && pc == 0);
            }
        }
    }

    /**
     * C[M×nr] = A·B (or += without {@code assign}) with A prepacked and B one panel of nr ≤ NR
     * columns already in the kernel's layout: row kk of B at b[bo + kk·NR … + NR), columns past
     * nr zero. B may be a window of a taller panel, which is how a shifted operand is reused.
     */
    public static void productWithPanel(PackedA a, float[] b, int bo, int nr, float[] c, int cOff, int ldc, boolean assign) {
        int m = a.m(), k = a.k(), kb = blockK(k);
        if (m <= 0 || nr <= 0 || k <= 0) return;
        for (int pc = 0; pc < k; pc += kb)
            panel(Math.min(kb, k - pc), a.data(), a.paddedM() * pc, m, b, bo + pc * NR, null, 0, nr, c, cOff, ldc, assign && pc == 0);
    }

    /**
     * C[M×n] += A·B with A prepacked and B read in place: B(k, j) = b[bBase + rowOffset[k] + j].
     * No packing, so the caller must keep b readable up to NR−1 elements past each row's last
     * used column (a ragged last panel reads, but never writes, beyond n).
     */
    public static void gemmRows(PackedA a, float[] b, int bBase, int[] rowOffset, int n, float[] c, int cOff, int ldc) {
        int m = a.m(), k = a.k(), kb = blockK(k);
        if (m <= 0 || n <= 0 || k <= 0) return;
        for (int pc = 0; pc < k; pc += kb) {
            int kc = Math.min(kb, k - pc);
            for (int jr = 0; jr < n; jr += NR)
                panel(kc, a.data(), a.paddedM() * pc, m, b, bBase + jr, rowOffset, pc, Math.min(NR, n - jr), c, cOff + jr, ldc, false);
        }
    }

    /**
     * C[mc×nc] += (or =, with {@code assign}) Apacked[mc×kc] · B[pc:pc+kc, jc:jc+nc], B packed a
     * group of NR-column panels at a time.
     */
    private static void block(float[] pa, int paOff, int mc, int kc, PanelSource source,
                              int pc, int jc, int nc, float[] c, int cOff, int ldc, boolean assign) {
        float[] packB = BUFFERS.get()[1];
        int group = Math.max(1, GROUP_FLOATS / (kc * NR)) * NR;
        for (int jg = 0; jg < nc; jg += group) {
            int ng = Math.min(group, nc - jg);
            // Packing B even when it is contiguous keeps the kernel's rows in distinct cache sets.
            source.pack(pc, kc, jc + jg, ng, packB);
            for (int jr = 0, q = 0; jr < ng; jr += NR, q++)
                panel(kc, pa, paOff, mc, packB, panelRow(q, 0, kc), null, 0, Math.min(NR, ng - jr), c, cOff + jc + jg + jr, ldc, assign);
        }
    }

    /**
     * C[mc×nr] += (or =, with {@code assign}) Apacked[mc×kc] · one B panel of nr ≤ NR columns: packed (rowOffset null) or
     * read in place with row kk at b[bo + rowOffset[rowStart + kk]]; ragged tiles go through a
     * scratch tile.
     */
    private static void panel(int kc, float[] pa, int paOff, int mc, float[] b, int bo, int[] rowOffset, int rowStart,
                              int nr, float[] c, int cOff, int ldc, boolean assign) {
        float[] tile = BUFFERS.get()[2];
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int ao = paOff + (ir / MR) * MR * kc;
            int co = cOff + ir * ldc;
            if (mr == MR && nr == NR) {
                tile(kc, pa, ao, b, bo, rowOffset, rowStart, c, co, ldc, assign);
            } else {
                tile(kc, pa, ao, b, bo, rowOffset, rowStart, tile, 0, NR, true);
                for (int r = 0; r < mr; r++)
                    for (int j = 0; j < nr; j++) c[co + r * ldc + j] = (assign ? 0f : c[co + r * ldc + j]) + tile[r * NR + j];
            }
        }
    }

    private static void tile(int kc, float[] a, int ao, float[] b, int bo, int[] rowOffset, int rowStart,
                             float[] c, int co, int ldc, boolean assign) {
        if (rowOffset == null) kernel(kc, a, ao, b, bo, c, co, ldc, assign);
        else kernelRows(kc, a, ao, b, bo, rowOffset, rowStart, c, co, ldc, assign);
    }

    /**
     * C[4×NR] += Apanel[4×kc] · B[kc×NR]: the A panel packed k-major, B read in place with row kk
     * at b[bo + rowOffset[rowStart + kk]].
     */
    private static void kernelRows(int kc, float[] a, int ao, float[] b, int bo, int[] rowOffset, int rowStart,
                               float[] c, int co, int ldc, boolean assign) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        if (USE_FMA) {
            for (int kk = 0; kk < kc; kk++) {
                int ai = ao + kk * MR, bi = bo + rowOffset[rowStart + kk];
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            }
        } else {
            for (int kk = 0; kk < kc; kk++) {
                int ai = ao + kk * MR, bi = bo + rowOffset[rowStart + kk];
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = c00.add(a0.mul(b0)); c01 = c01.add(a0.mul(b1));
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = c10.add(a1.mul(b0)); c11 = c11.add(a1.mul(b1));
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = c20.add(a2.mul(b0)); c21 = c21.add(a2.mul(b1));
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = c30.add(a3.mul(b0)); c31 = c31.add(a3.mul(b1));
            }
        }
        store(c, co, c00, c01, assign);
        store(c, co + ldc, c10, c11, assign);
        store(c, co + 2 * ldc, c20, c21, assign);
        store(c, co + 3 * ldc, c30, c31, assign);
    }

    /**
     * C[4×NR] += Apanel[4×kc] · Bpanel[kc×NR], both packed k-major. The same arithmetic as
     * {@link #kernelRows}; kept separate because the affine B index is measurably faster
     * (≈ 72 vs 60 GFLOP/s on one AVX2 core) than going through a row-offset table.
     */
    private static void kernel(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc, boolean assign) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        if (USE_FMA) {
            for (int kk = 0; kk < kc; kk++) {
                int ai = ao + kk * MR, bi = bo + kk * NR;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = a0.fma(b0, c00); c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = a1.fma(b0, c10); c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = a2.fma(b0, c20); c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = a3.fma(b0, c30); c31 = a3.fma(b1, c31);
            }
        } else {
            for (int kk = 0; kk < kc; kk++) {
                int ai = ao + kk * MR, bi = bo + kk * NR;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(S, a[ai]);
                c00 = c00.add(a0.mul(b0)); c01 = c01.add(a0.mul(b1));
                FloatVector a1 = FloatVector.broadcast(S, a[ai + 1]);
                c10 = c10.add(a1.mul(b0)); c11 = c11.add(a1.mul(b1));
                FloatVector a2 = FloatVector.broadcast(S, a[ai + 2]);
                c20 = c20.add(a2.mul(b0)); c21 = c21.add(a2.mul(b1));
                FloatVector a3 = FloatVector.broadcast(S, a[ai + 3]);
                c30 = c30.add(a3.mul(b0)); c31 = c31.add(a3.mul(b1));
            }
        }
        store(c, co, c00, c01, assign);
        store(c, co + ldc, c10, c11, assign);
        store(c, co + 2 * ldc, c20, c21, assign);
        store(c, co + 3 * ldc, c30, c31, assign);
    }

    /**
     * Rows of A per tile of {@link #rowsTimesPanels}: with 32 vector registers (AVX-512) six rows,
     * whose 12 accumulators keep both FMA pipes busy through their latency; with 16 (AVX2) four,
     * as six would spill.
     */
    static final int ROWS_OF_A = L >= 16 ? 6 : 4;

    /**
     * C[m×n] = A·B (C's previous contents are neither read nor needed) with A's rows read in
     * place, row i at a[aOff + i·lda … + k), and B packed as NR-wide column panels of all k rows,
     * panel p at b[bOff + p·k·NR] (row kk at + kk·NR). m must be a multiple of {@link #ROWS_OF_A}
     * and n of NR; the whole K runs in registers, so a long K costs no extra passes over C. The
     * kernels store their results themselves: a helper C2 does not inline would box every
     * accumulator.
     */
    public static void rowsTimesPanels(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, float[] c, int cOff, int ldc) {
        for (int p = 0; p < n / NR; p++)
            for (int i = 0; i < m; i += ROWS_OF_A) {
                if (ROWS_OF_A == 6) sixRowsOfA(k, a, aOff + i * lda, lda, b, bOff + p * k * NR, c, cOff + i * ldc + p * NR, ldc);
                else fourRowsOfA(k, a, aOff + i * lda, lda, b, bOff + p * k * NR, c, cOff + i * ldc + p * NR, ldc);
            }
    }

    /** C[6×NR] = A[6×kc] · Bpanel[kc×NR]: A's rows read in place, lda apart; B packed k-major. */
    private static void sixRowsOfA(int kc, float[] a, int ao, int lda, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        int a1 = ao + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        if (USE_FMA) {
            for (int kk = 0; kk < kc; kk++) {
                int bi = bo + kk * NR;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector x0 = FloatVector.broadcast(S, a[ao + kk]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
                FloatVector x4 = FloatVector.broadcast(S, a[a4 + kk]);
                c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
                FloatVector x5 = FloatVector.broadcast(S, a[a5 + kk]);
                c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
            }
        } else {
            for (int kk = 0; kk < kc; kk++) {
                int bi = bo + kk * NR;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector x0 = FloatVector.broadcast(S, a[ao + kk]);
                c00 = c00.add(x0.mul(b0)); c01 = c01.add(x0.mul(b1));
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
                c10 = c10.add(x1.mul(b0)); c11 = c11.add(x1.mul(b1));
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
                c20 = c20.add(x2.mul(b0)); c21 = c21.add(x2.mul(b1));
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
                c30 = c30.add(x3.mul(b0)); c31 = c31.add(x3.mul(b1));
                FloatVector x4 = FloatVector.broadcast(S, a[a4 + kk]);
                c40 = c40.add(x4.mul(b0)); c41 = c41.add(x4.mul(b1));
                FloatVector x5 = FloatVector.broadcast(S, a[a5 + kk]);
                c50 = c50.add(x5.mul(b0)); c51 = c51.add(x5.mul(b1));
            }
        }
        c00.intoArray(c, co + 0 * ldc); c01.intoArray(c, co + 0 * ldc + L);
        c10.intoArray(c, co + 1 * ldc); c11.intoArray(c, co + 1 * ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
        c40.intoArray(c, co + 4 * ldc); c41.intoArray(c, co + 4 * ldc + L);
        c50.intoArray(c, co + 5 * ldc); c51.intoArray(c, co + 5 * ldc + L);
    }

    /** C[4×NR] = A[4×kc] · Bpanel[kc×NR]: A's rows read in place, lda apart; B packed k-major. */
    private static void fourRowsOfA(int kc, float[] a, int ao, int lda, float[] b, int bo, float[] c, int co, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        int a1 = ao + lda, a2 = a1 + lda, a3 = a2 + lda;
        if (USE_FMA) {
            for (int kk = 0; kk < kc; kk++) {
                int bi = bo + kk * NR;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector x0 = FloatVector.broadcast(S, a[ao + kk]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            }
        } else {
            for (int kk = 0; kk < kc; kk++) {
                int bi = bo + kk * NR;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector x0 = FloatVector.broadcast(S, a[ao + kk]);
                c00 = c00.add(x0.mul(b0)); c01 = c01.add(x0.mul(b1));
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + kk]);
                c10 = c10.add(x1.mul(b0)); c11 = c11.add(x1.mul(b1));
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + kk]);
                c20 = c20.add(x2.mul(b0)); c21 = c21.add(x2.mul(b1));
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + kk]);
                c30 = c30.add(x3.mul(b0)); c31 = c31.add(x3.mul(b1));
            }
        }
        c00.intoArray(c, co + 0 * ldc); c01.intoArray(c, co + 0 * ldc + L);
        c10.intoArray(c, co + 1 * ldc); c11.intoArray(c, co + 1 * ldc + L);
        c20.intoArray(c, co + 2 * ldc); c21.intoArray(c, co + 2 * ldc + L);
        c30.intoArray(c, co + 3 * ldc); c31.intoArray(c, co + 3 * ldc + L);
    }

    /** One tile row: C = v or C += v. */
    private static void store(float[] c, int off, FloatVector v0, FloatVector v1, boolean assign) {
        if (assign) {
            v0.intoArray(c, off);
            v1.intoArray(c, off + L);
        } else {
            FloatVector.fromArray(S, c, off).add(v0).intoArray(c, off);
            FloatVector.fromArray(S, c, off + L).add(v1).intoArray(c, off + L);
        }
    }

    /**
     * Packs op(B)[pc:pc+kc, j0:j0+nr] (nr ≤ NR) into one NR-wide panel (zero padded), k-major, at
     * dst[dstOff…]: a transposed panel, or a ragged last one ({@link #matrix} packs whole untransposed
     * panels row by row itself).
     */
    private static void packB(boolean trans, float[] b, int bOff, int ldb, int pc, int kc, int j0, int nr, float[] dst, int dstOff) {
        for (int kk = 0, idx = dstOff; kk < kc; kk++, idx += NR) {
            if (!trans) {
                System.arraycopy(b, bOff + (pc + kk) * ldb + j0, dst, idx, nr);
            } else {
                int src = bOff + j0 * ldb + pc + kk;
                for (int j = 0; j < nr; j++) dst[idx + j] = b[src + j * ldb];
            }
            for (int j = nr; j < NR; j++) dst[idx + j] = 0f;
        }
    }

    /** Packs op(A)[ic:ic+mc, pc:pc+kc] into row panels of MR (zero padded), k-major, at dst[dstOff…]. */
    private static void packA(boolean trans, float[] a, int aOff, int lda, int ic, int mc, int pc, int kc,
                              float[] dst, int dstOff) {
        int idx = dstOff;
        for (int i0 = 0; i0 < mc; i0 += MR) {
            int h = Math.min(MR, mc - i0);
            int row = ic + i0;
            for (int kk = 0; kk < kc; kk++, idx += MR) {
                if (trans) {
                    int src = aOff + (pc + kk) * lda + row;
                    for (int i = 0; i < h; i++) dst[idx + i] = a[src + i];
                } else {
                    int src = aOff + row * lda + pc + kk;
                    for (int i = 0; i < h; i++) dst[idx + i] = a[src + i * lda];
                }
                for (int i = h; i < MR; i++) dst[idx + i] = 0f;
            }
        }
    }
}
