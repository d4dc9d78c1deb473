package org.timetuner4j.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS through JCublas2, an optional accelerator for the backend's matrix products: used when
 * its native library loads (JCublas 12.x needs libcublas.so.12 with its versioned symbols),
 * otherwise the backend's own GEMM kernel runs. FP32 math mode (no TF32), so results agree with
 * the CPU backend to the usual fp32 tolerance.
 */
final class CublasSupport {
    private static volatile String libraryFailure;  // null: not probed; "" : loaded
    private final cublasHandle handle = new cublasHandle();
    private final int version;

    private CublasSupport(CUstream stream) {
        JCublas2.cublasCreate(handle);
        JCublas2.cublasSetStream(handle, new cudaStream_t(stream));
        int[] v = new int[1];
        JCublas2.cublasGetVersion(handle, v);
        version = v[0];
    }

    /** Loads the library once; the failure reason, or "" when it loaded. */
    static synchronized String loadLibrary() {
        if (libraryFailure == null) {
            try {
                JCublas2.setExceptionsEnabled(true);
                libraryFailure = "";
            } catch (Throwable t) {
                libraryFailure = NativeFailure.summarize(t);
            }
        }
        return libraryFailure;
    }

    /** A handle on {@code stream}, or null with the reason written to {@code why[0]}. */
    static CublasSupport tryCreate(CUstream stream, String[] why) {
        if (System.getProperty("timetuner.cublas", "").equalsIgnoreCase("off")) {
            why[0] = "disabled by -Dtimetuner.cublas=off";
            return null;
        }
        String failure = loadLibrary();
        if (!failure.isEmpty()) {
            why[0] = "not loaded: " + failure;
            return null;
        }
        try {
            return new CublasSupport(stream);
        } catch (Throwable t) {
            why[0] = "cublasCreate failed: " + NativeFailure.summarize(t);
            return null;
        }
    }

    /** e.g. "cuBLAS 12.6.4". */
    String describe() { return "cuBLAS " + version / 10000 + "." + version / 100 % 100 + "." + version % 100; }

    /**
     * Row-major C[z] = op(A[z])·op(B[z]) for z < batch, as the column-major product
     * Cᵀ = op(B)ᵀ·op(A)ᵀ (the operands swap; the transposes stay).
     */
    void gemm(boolean ta, boolean tb, int m, int n, int k, CUdeviceptr a, int lda, long strideA,
              CUdeviceptr b, int ldb, long strideB, CUdeviceptr c, int ldc, long strideC, int batch) {
        Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
        int opA = ta ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        int opB = tb ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
        if (batch == 1) {
            JCublas2.cublasSgemm(handle, opB, opA, n, m, k, one, b, ldb, a, lda, zero, c, ldc);
        } else {
            JCublas2.cublasSgemmStridedBatched(handle, opB, opA, n, m, k, one, b, ldb, strideB, a, lda, strideA,
                    zero, c, ldc, strideC, batch);
        }
    }
}
