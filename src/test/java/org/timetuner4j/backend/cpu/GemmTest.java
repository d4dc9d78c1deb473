package org.timetuner4j.backend.cpu;

import org.junit.jupiter.api.Test;
import org.timetuner4j.testing.Check;

import java.util.Random;

/** The blocked GEMM against a plain triple loop, all transposes, edge sizes, offsets. */
class GemmTest {
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

    @Test void matchesTripleLoop() {
        Random r = new Random(1);
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {4, 16, 8}, {17, 33, 65}, {130, 70, 300}, {5, 2100, 9}, {64, 64, 513}};
        for (int[] s : sizes)
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true}) {
                    int m = s[0], n = s[1], k = s[2];
                    int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
                    float[] a = Check.randomArray(r, 5 + lda * (ta ? k : m), 1);
                    float[] b = Check.randomArray(r, 7 + ldb * (tb ? n : k), 1);
                    float[] c0 = Check.randomArray(r, 2 + ldc * m, 1);
                    float[] c1 = c0.clone();
                    Gemm.gemm(ta, tb, m, n, k, a, 5, lda, b, 7, ldb, c0, 2, ldc);
                    reference(ta, tb, m, n, k, a, 5, lda, b, 7, ldb, c1, 2, ldc);
                    Check.maxRelative(String.format("gemm %dx%dx%d ta=%b tb=%b", m, n, k, ta, tb), c0, c1, 1e-5);
                }
    }

    /** A packed once (K split into equal blocks), then B packed per panel or read in place by row offsets. */
    @Test void prepackedAMatchesTripleLoop() {
        Random r = new Random(2);
        int[][] sizes = {{1, 1, 1}, {6, 20, 255}, {32, 70, 288}, {13, 33, 513}, {64, 45, 576}, {9, 17, 769}};
        for (int[] s : sizes) {
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
        }
    }

    /** product() stores C = A·B: whatever C held (NaN here) is ignored, across K blocks and ragged tiles. */
    @Test void productIgnoresWhatCHeld() {
        Random r = new Random(3);
        int[][] sizes = {{1, 1, 1}, {6, 20, 255}, {13, 33, 513}, {32, 64, 40}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = Check.randomArray(r, m * k, 1), b = Check.randomArray(r, k * n, 1);
            float[] want = new float[m * n], got = new float[m * n];
            reference(false, false, m, n, k, a, 0, k, b, 0, n, want, 0, n);
            java.util.Arrays.fill(got, Float.NaN);
            Gemm.product(Gemm.pack(false, m, k, a, 0, k), false, n, b, 0, n, got, 0, n);
            Check.maxRelative(String.format("product %dx%dx%d into NaN", m, n, k), got, want, 1e-5);
        }
    }

    /** Both operands prepacked (B with a row stride and several K blocks), into a NaN-filled C. */
    @Test void productOfPackedOperands() {
        Random r = new Random(4);
        int[][] sizes = {{1, 1, 1}, {6, 20, 255}, {13, 33, 513}, {32, 64, 40}, {8, 17, 300}};
        for (int[] s : sizes) {
            int m = s[0], n = s[1], k = s[2], ldb = n + 5;
            float[] a = Check.randomArray(r, m * k, 1), b = Check.randomArray(r, 3 + k * ldb, 1);
            float[] want = new float[m * n], got = new float[m * n];
            reference(false, false, m, n, k, a, 0, k, b, 3, ldb, want, 0, n);
            java.util.Arrays.fill(got, Float.NaN);
            float[] panels = new float[7 + k * ((n + Gemm.NR - 1) / Gemm.NR * Gemm.NR)];
            java.util.Arrays.fill(panels, Float.NaN);  // every value from 7 on is written: columns past n as zeros
            Gemm.product(Gemm.pack(false, m, k, a, 0, k), Gemm.packB(b, 3, ldb, k, n, panels, 7), got, 0, n);
            Check.maxRelative(String.format("packed product %dx%dx%d into NaN", m, n, k), got, want, 1e-5);
        }
    }
}
