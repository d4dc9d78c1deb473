package org.timetuner4j.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasPointerMode;
import jcuda.runtime.cudaStream_t;

/** cuBLAS through JCublas2 12.6, whose native library needs libcublas.so.12 (CUDA 12). */
final class JCublasProvider implements CublasProvider {
    private volatile String failure;  // null: not probed yet

    @Override public String key() { return "jcublas"; }

    @Override public String label() { return "JCublas2 12.6 (libcublas.so.12)"; }

    @Override public synchronized String load() {
        if (failure == null) {
            try {
                JCublas2.setExceptionsEnabled(true);  // loads the native library
                failure = "";
            } catch (Throwable t) {
                failure = "not loaded: " + NativeFailure.summarize(t);
            }
        }
        return failure;
    }

    @Override public Handle open(CUstream stream) {
        cublasHandle h = new cublasHandle();
        JCublas2.cublasCreate(h);
        JCublas2.cublasSetStream(h, new cudaStream_t(stream));
        JCublas2.cublasSetPointerMode(h, cublasPointerMode.CUBLAS_POINTER_MODE_HOST);
        JCublas2.cublasSetMathMode(h, CudaMathMode.tf32() ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH);
        int[] v = new int[1];
        JCublas2.cublasGetVersion(h, v);
        return new JCublasHandle(h, CublasSupport.versionString(v[0]) + " via JCublas2");
    }

    private record JCublasHandle(cublasHandle handle, String describe) implements Handle {
        @Override public void sgemm(boolean transA, boolean transB, int m, int n, int k, CUdeviceptr a, int lda, long strideA,
                                    CUdeviceptr b, int ldb, long strideB, CUdeviceptr c, int ldc, long strideC, int batch) {
            Pointer one = Pointer.to(new float[] {1f}), zero = Pointer.to(new float[] {0f});
            int opA = transA ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
            int opB = transB ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
            if (batch == 1) {
                JCublas2.cublasSgemm(handle, opA, opB, m, n, k, one, a, lda, b, ldb, zero, c, ldc);
            } else {
                JCublas2.cublasSgemmStridedBatched(handle, opA, opB, m, n, k, one, a, lda, strideA, b, ldb, strideB,
                        zero, c, ldc, strideC, batch);
            }
        }
    }
}
