package org.timetuner4j.backend.cuda;

import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudnn;

/**
 * Whether JavaCPP's cuDNN 9 binding loads here (for {@code info} only: the convolutions run on
 * our kernels). Probed once, and only where CUDA works.
 */
final class JavaCppCudnn {
    private static volatile String status;

    private JavaCppCudnn() {}

    /** e.g. "JavaCPP's cuDNN binding loads cuDNN 9.10.2 (libcudnn_graph.so.9 from DIR)", or why not. */
    static synchronized String status() {
        if (status == null) {
            if (!CudaRuntime.available()) {
                status = "JavaCPP's cuDNN binding not tried: CUDA is not available";
            } else {
                status = probe(CudaLibraryPaths.fromEnvironment());
            }
        }
        return status;
    }

    static String probe(CudaLibraryPaths.Search where) {
        JavaCppCuda.Loaded blas = JavaCppCuda.load(cublas.class, where, JavaCppCuda.CUBLAS_LIBS);  // the cuDNN binding builds on it
        if (!blas.failure().isEmpty()) return "JavaCPP's cuDNN 9 binding not loaded: it needs cuBLAS 13's, which did not load: " + blas.failure();
        JavaCppCuda.Loaded l = JavaCppCuda.load(cudnn.class, where, JavaCppCuda.CUDNN_LIBS);
        if (!l.failure().isEmpty()) return "JavaCPP's cuDNN 9 binding not loaded: " + l.failure();
        try {
            long v = cudnn.cudnnGetVersion();  // major·10000 + minor·100 + patch since cuDNN 9
            return "JavaCPP's cuDNN binding loads cuDNN " + v / 10000 + "." + v / 100 % 100 + "." + v % 100
                    + " (" + l.source("libcudnn_graph.so.9") + ")";
        } catch (Throwable t) {
            return "JavaCPP's cuDNN 9 binding loaded, cudnnGetVersion failed: " + NativeFailure.summarize(t);
        }
    }
}
