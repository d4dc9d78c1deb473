package org.timetuner4j.ops;

import org.junit.jupiter.api.Tag;

import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.Gemm;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;
import org.timetuner4j.testing.CudaCase;
import org.timetuner4j.testing.GradCase;
import org.timetuner4j.testing.OpCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.timetuner4j.testing.CudaCase.FP32;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * Matrix products (matmul with either operand transposed, linear), every check in one place:
 * the backend's ops against a plain triple loop in double, the blocked CPU GEMM micro-kernel
 * and its packed variants against the same loop (all transposes, edge sizes, offsets, a C full
 * of NaN), the autograd ops' backward against central finite differences, and CUDA against the
 * CPU backend ({@code @Tag("gpu")}, skipped without a GPU; with cuBLAS where it loads). The .cu
 * kernels also run on the CPU under the C++ emulator: kernels/emu/emu_test.cpp
 * (backend/cuda/KernelEmulatorTest).
 */
class GemmOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    /** c[i, j] += Σ_p op(a)[i, p]·op(b)[p, j] in double, with offsets and leading dimensions. */
    private static void reference(boolean ta, boolean tb, int m, int n, int k, float[] a, int aOff, int lda,
                                  float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += (double) av * bv;
                }
                c[cOff + i * ldc + j] += (float) s;
            }
    }

    private static final boolean[] FT = {false, true};

    // ---- the backend's ops against the triple loop ----

    static Stream<OpCase> forward() {
        List<OpCase> l = new ArrayList<>();
        for (int[] s : new int[][] {{3, 4, 5}, {70, 131, 45}})
            for (boolean ta : FT)
                for (boolean tb : FT)
                    l.add(OpCase.of(String.format("matmul %dx%dx%d ta=%b tb=%b", s[0], s[1], s[2], ta, tb), () -> {
                        int m = s[0], k = s[1], n = s[2];
                        Random r = new Random(Arrays.hashCode(s) + (ta ? 1 : 0) + (tb ? 2 : 0));
                        float[] a = Check.randomArray(r, m * k, 1), b = Check.randomArray(r, k * n, 1), want = new float[m * n];
                        reference(ta, tb, m, n, k, a, 0, ta ? m : k, b, 0, tb ? k : n, want, 0, n);
                        Tensor y = CPU.matmul(CPU.fromHost(a, ta ? Shape.of(k, m) : Shape.of(m, k)), ta,
                                CPU.fromHost(b, tb ? Shape.of(n, k) : Shape.of(k, n)), tb);
                        Check.maxRelative("matmul vs triple loop", y.toArray(), want, 1e-5);
                    }));
        l.add(OpCase.of("linear [33,128]·[512,128]ᵀ + b, and without b", () -> {
            int m = 33, k = 128, n = 512;
            Random r = new Random(9);
            float[] x = Check.randomArray(r, m * k, 1), w = Check.randomArray(r, n * k, 1), b = Check.randomArray(r, n, 1);
            float[] noBias = new float[m * n];
            reference(false, true, m, n, k, x, 0, k, w, 0, k, noBias, 0, n);
            float[] withBias = noBias.clone();
            for (int i = 0; i < m * n; i++) withBias[i] += b[i % n];
            Tensor tx = CPU.fromHost(x, Shape.of(m, k)), tw = CPU.fromHost(w, Shape.of(n, k));
            Check.maxRelative("linear with bias vs loop", CPU.linear(tx, tw, CPU.fromHost(b, Shape.of(n))).toArray(), withBias, 1e-5);
            Check.maxRelative("linear without bias vs loop", CPU.linear(tx, tw, null).toArray(), noBias, 1e-5);
        }));
        return l.stream();
    }

    // ---- the blocked GEMM (the CPU fast path) against the triple loop ----

    static Stream<OpCase> gemm() {
        List<OpCase> l = new ArrayList<>();
        for (int[] s : new int[][] {{1, 1, 1}, {3, 5, 7}, {4, 16, 8}, {17, 33, 65}, {130, 70, 300}, {5, 2100, 9}, {64, 64, 513}})
            for (boolean ta : FT)
                for (boolean tb : FT) {
                    String name = String.format("gemm %dx%dx%d ta=%b tb=%b", s[0], s[1], s[2], ta, tb);
                    l.add(OpCase.of(name, () -> {
                        Random r = new Random(name.hashCode());
                        int m = s[0], n = s[1], k = s[2];
                        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
                        float[] a = Check.randomArray(r, 5 + lda * (ta ? k : m), 1);
                        float[] b = Check.randomArray(r, 7 + ldb * (tb ? n : k), 1);
                        float[] c0 = Check.randomArray(r, 2 + ldc * m, 1);
                        float[] c1 = c0.clone();
                        Gemm.gemm(ta, tb, m, n, k, a, 5, lda, b, 7, ldb, c0, 2, ldc);
                        reference(ta, tb, m, n, k, a, 5, lda, b, 7, ldb, c1, 2, ldc);
                        Check.maxRelative(name, c0, c1, 1e-5);
                    }));
                }
        // A packed once (K split into equal blocks), then B packed per panel or read in place by row offsets
        for (int[] s : new int[][] {{1, 1, 1}, {6, 20, 255}, {32, 70, 288}, {13, 33, 513}, {64, 45, 576}, {9, 17, 769}})
            l.add(OpCase.of(String.format("prepacked A %dx%dx%d", s[0], s[1], s[2]), () -> {
                Random r = new Random(Arrays.hashCode(s));
                int m = s[0], n = s[1], k = s[2], nr = Gemm.panelWidth();
                float[] a = Check.randomArray(r, m * k, 1);
                Gemm.PackedA packed = Gemm.pack(false, m, k, a, 0, k);
                float[] b = Check.randomArray(r, k * n + nr, 1);
                float[] want = Check.randomArray(r, m * n, 1), packedB = want.clone(), rows = want.clone();
                reference(false, false, m, n, k, a, 0, k, b, 0, n, want, 0, n);
                Gemm.gemm(packed, false, n, b, 0, n, packedB, 0, n);
                int[] rowOffset = new int[k];
                for (int p = 0; p < k; p++) rowOffset[p] = p * n;
                Gemm.gemmRows(packed, b, 0, rowOffset, n, rows, 0, n);
                Check.maxRelative(String.format("prepacked A, packed B %dx%dx%d", m, n, k), packedB, want, 1e-5);
                Check.maxRelative(String.format("prepacked A, B rows in place %dx%dx%d", m, n, k), rows, want, 1e-5);
            }));
        // product() stores C = A·B: whatever C held (NaN here) is ignored, across K blocks and ragged tiles
        for (int[] s : new int[][] {{1, 1, 1}, {6, 20, 255}, {13, 33, 513}, {32, 64, 40}})
            l.add(OpCase.of(String.format("product %dx%dx%d into NaN", s[0], s[1], s[2]), () -> {
                Random r = new Random(Arrays.hashCode(s) + 3);
                int m = s[0], n = s[1], k = s[2];
                float[] a = Check.randomArray(r, m * k, 1), b = Check.randomArray(r, k * n, 1);
                float[] want = new float[m * n], got = new float[m * n];
                reference(false, false, m, n, k, a, 0, k, b, 0, n, want, 0, n);
                Arrays.fill(got, Float.NaN);
                Gemm.product(Gemm.pack(false, m, k, a, 0, k), false, n, b, 0, n, got, 0, n);
                Check.maxRelative(String.format("product %dx%dx%d into NaN", m, n, k), got, want, 1e-5);
            }));
        // A's rows read in place (offset, row stride past K), B as NR-wide panels over all K rows, into a NaN-filled C
        for (int[] s : new int[][] {{1, 1, 1}, {6, 20, 255}, {13, 33, 513}, {32, 64, 40}, {8, 17, 300}})
            l.add(OpCase.of(String.format("rows times panels %dx%dx%d into NaN", s[0], s[1], s[2]), () -> {
                Random r = new Random(Arrays.hashCode(s) + 4);
                int nr = Gemm.panelWidth(), mr = Gemm.rowsOfATile();
                int m = (s[0] + mr - 1) / mr * mr, n = (s[1] + nr - 1) / nr * nr, k = s[2], lda = k + 3, ldc = n + 5;
                float[] a = Check.randomArray(r, 2 + m * lda, 1), b = Check.randomArray(r, k * n, 1);
                float[] panels = new float[9 + k * n];
                for (int p = 0; p < n / nr; p++)
                    for (int kk = 0; kk < k; kk++)
                        for (int j = 0; j < nr; j++) panels[9 + (p * k + kk) * nr + j] = b[kk * n + p * nr + j];
                float[] want = new float[m * ldc], got = new float[m * ldc];
                reference(false, false, m, n, k, a, 2, lda, b, 0, n, want, 0, ldc);
                Arrays.fill(got, Float.NaN);
                Gemm.rowsTimesPanels(m, n, k, a, 2, lda, panels, 9, got, 0, ldc);
                for (int i = 0; i < m; i++)
                    for (int j = n; j < ldc; j++) {
                        assertTrue(Float.isNaN(got[i * ldc + j]), "wrote past column n");
                        got[i * ldc + j] = 0f;
                    }
                Check.maxRelative(String.format("rows times panels %dx%dx%d into NaN", m, n, k), got, want, 1e-5);
            }));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}") @MethodSource({"forward", "gemm"})
    void cpuMatchesTheTripleLoop(OpCase c) throws Throwable { c.run(); }

    // ---- autograd backward against finite differences ----

    static Stream<GradCase> backward() {
        List<GradCase> l = new ArrayList<>();
        l.add(GradCase.of("linear", t -> Ops.linear(t[0], t[1], t[2]), dims(3, 5), dims(4, 5), dims(4)));
        for (boolean ta : FT)
            for (boolean tb : FT)
                l.add(GradCase.of("matmul ta=" + ta + " tb=" + tb, t -> Ops.matmul(t[0], ta, t[1], tb),
                        ta ? dims(4, 3) : dims(3, 4), tb ? dims(5, 4) : dims(4, 5)));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    // ---- CUDA against the CPU backend ----

    static Stream<Arguments> cuda() {
        List<CudaCase> c = new ArrayList<>();
        for (boolean ta : FT)
            for (boolean tb : FT)
                c.add(CudaCase.of("matmul ta=" + ta + " tb=" + tb, FP32, be -> {
                    int m = 70, k = 131, n = 45;
                    Tensor a = ta ? rnd(be, 1, k, m) : rnd(be, 1, m, k), b = tb ? rnd(be, 2, n, k) : rnd(be, 2, k, n);
                    return out(be.matmul(a, ta, b, tb));
                }));
        c.add(CudaCase.of("linear (+bias, no bias)", FP32, be -> {
            Tensor x = rnd(be, 1, 33, 128), w = rnd(be, 2, 512, 128), b = rnd(be, 3, 512);
            return out(be.linear(x, w, b), be.linear(x, w, null));
        }));
        return CudaCase.onBothPaths(c);
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
