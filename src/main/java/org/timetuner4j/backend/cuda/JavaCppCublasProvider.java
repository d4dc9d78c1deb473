package org.timetuner4j.backend.cuda;

import static org.bytedeco.cuda.global.cublas.CUBLAS_DEFAULT_MATH;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_N;
import static org.bytedeco.cuda.global.cublas.CUBLAS_OP_T;
import static org.bytedeco.cuda.global.cublas.CUBLAS_POINTER_MODE_HOST;
import static org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_SUCCESS;
import static org.bytedeco.cuda.global.cublas.CUBLAS_TF32_TENSOR_OP_MATH;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.javacpp.FloatPointer;

/**
 * cuBLAS 13 through JavaCPP's binding (org.bytedeco:cuda), with the libraries found by
 * {@link CudaLibraryPaths} (e.g. inside PyTorch's cu130 wheels). Tried only where CUDA works, so
 * a machine without a GPU never extracts JavaCPP's natives. Device pointers and the stream come
 * from JCuda as raw addresses; the backend runs in the device's primary context, which is the
 * one the CUDA runtime inside cuBLAS uses.
 */
final class JavaCppCublasProvider implements CublasProvider {
    private volatile String failure;  // null: not probed yet
    private volatile String source = "";

    @Override public String key() { return "javacpp"; }

    @Override public String label() { return "JavaCPP cuBLAS 13 (libcublas.so.13)"; }

    @Override public synchronized String load() {
        if (failure == null)
            failure = CudaRuntime.available() ? loadFrom(CudaLibraryPaths.fromEnvironment()) : "not tried: CUDA is not available";
        return failure;
    }

    /** Loads the binding with the libraries {@code where} finds: "" or "not loaded: why". */
    String loadFrom(CudaLibraryPaths.Search where) {
        JavaCppCuda.Loaded l = JavaCppCuda.load(cublas.class, where, JavaCppCuda.CUBLAS_LIBS);
        source = l.source("libcublas.so.13");
        return l.failure().isEmpty() ? "" : "not loaded: " + l.failure();
    }

    @Override public Handle open(CUstream stream) { return new JavaCppHandle(stream, source); }

    private static final class JavaCppHandle implements Handle {
        private final cublasContext handle = new cublasContext();
        private final FloatPointer one = new FloatPointer(1f), zero = new FloatPointer(0f);  // host scalars
        private final String describe;

        JavaCppHandle(CUstream stream, String source) {
            check("cublasCreate", cublas.cublasCreate_v2(handle));
            check("cublasSetStream", cublas.cublasSetStream_v2(handle, new CUstream_st(new JavaCppCuda.At(RawAddress.of(stream)))));
            check("cublasSetPointerMode", cublas.cublasSetPointerMode_v2(handle, CUBLAS_POINTER_MODE_HOST));
            check("cublasSetMathMode", cublas.cublasSetMathMode(handle, CudaMathMode.tf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
            int[] v = new int[1];
            check("cublasGetVersion", cublas.cublasGetVersion_v2(handle, v));
            describe = CublasSupport.versionString(v[0]) + " via JavaCPP (" + source + ")";
        }

        @Override public String describe() { return describe; }

        @Override public void sgemm(boolean transA, boolean transB, int m, int n, int k, CUdeviceptr a, int lda, long strideA,
                                    CUdeviceptr b, int ldb, long strideB, CUdeviceptr c, int ldc, long strideC, int batch) {
            int opA = transA ? CUBLAS_OP_T : CUBLAS_OP_N, opB = transB ? CUBLAS_OP_T : CUBLAS_OP_N;
            if (batch == 1) {
                check("cublasSgemm", cublas.cublasSgemm_v2(handle, opA, opB, m, n, k, one, floats(a), lda, floats(b), ldb,
                        zero, floats(c), ldc));
            } else {
                check("cublasSgemmStridedBatched", cublas.cublasSgemmStridedBatched(handle, opA, opB, m, n, k, one,
                        floats(a), lda, strideA, floats(b), ldb, strideB, zero, floats(c), ldc, strideC, batch));
            }
        }

        private static FloatPointer floats(CUdeviceptr p) { return new FloatPointer(new JavaCppCuda.At(RawAddress.of(p))); }

        private static void check(String call, int status) {
            if (status != CUBLAS_STATUS_SUCCESS)
                throw new IllegalStateException(call + " failed: " + cublas.cublasGetStatusString(status).getString());
        }
    }
}
