package org.timetuner4j.backend.cuda;

/**
 * cuDNN status for {@code info}. JCudnn's Java classes exist on Maven Central only up to 11.7.0,
 * which binds cuDNN 8 (libcudnn.so.8); the GPU machines this project targets have cuDNN 9, so
 * the build does not bundle JCudnn and the convolutions always run on the backend's own
 * implicit-GEMM kernels. When JCudnn is put on the class path by hand, this reports whether
 * its native library loads (it is still not used for compute).
 */
final class CudnnSupport {
    private CudnnSupport() {}

    static String status() {
        Class<?> c;
        try {
            c = Class.forName("jcuda.jcudnn.JCudnn", false, CudnnSupport.class.getClassLoader());
        } catch (Throwable t) {
            return "not used: JCudnn is not bundled (its last release, 11.7.0, needs cuDNN 8); convolutions run on our kernels";
        }
        try {
            Object v = c.getMethod("cudnnGetVersion").invoke(null);
            return "JCudnn on the class path, cuDNN " + v + " loads; not used (convolutions run on our kernels)";
        } catch (Throwable t) {
            Throwable cause = t instanceof java.lang.reflect.InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : t;
            return "JCudnn on the class path but not loaded: " + NativeFailure.summarize(cause);
        }
    }
}
