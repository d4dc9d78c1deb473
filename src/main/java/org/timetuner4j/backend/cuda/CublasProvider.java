package org.timetuner4j.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * One way to reach cuBLAS (see {@link CublasSupport}, which picks one). Implementations touch
 * no native code until {@link #load}.
 */
interface CublasProvider {
    /** The value of {@code -Dtimetuner.cublas} that forces this provider, e.g. "jcublas". */
    String key();

    /** What it is and what it needs, e.g. "JCublas2 12.6 (libcublas.so.12)". */
    String label();

    /** Loads its native libraries once: "" when they loaded, else why not (one line). Never throws. */
    String load();

    /** A handle issuing on {@code stream}, after {@link #load} gave ""; throws with the reason when cuBLAS refuses. */
    Handle open(CUstream stream);

    /** A cuBLAS handle on one stream, FP32 math, host-side scalars. */
    interface Handle {
        /** e.g. "cuBLAS 13.1.0 via JavaCPP (libcublas.so.13 from /usr/…/nvidia/cu13/lib)". */
        String describe();

        /**
         * Column-major C[z] = op(A[z])·op(B[z]) for z < batch (cuBLAS's own convention; the
         * row-major operand swap is {@link CublasSupport#gemm}'s).
         */
        void sgemm(boolean transA, boolean transB, int m, int n, int k, CUdeviceptr a, int lda, long strideA,
                   CUdeviceptr b, int ldb, long strideB, CUdeviceptr c, int ldc, long strideC, int batch);
    }
}
