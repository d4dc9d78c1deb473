package org.timetuner4j.backend.cuda;

/**
 * cuDNN status for {@code info}; cuDNN is not used for compute: the convolutions always run on
 * the backend's own implicit-GEMM kernels. Where CUDA works, this says whether JavaCPP's cuDNN 9
 * binding loads with the machine's libcudnn*.so.9 (found like cuBLAS 13's, see
 * {@link CudaLibraryPaths}). JCudnn's Java classes exist on Maven Central only up to 11.7.0,
 * which binds cuDNN 8, so the build does not bundle JCudnn; when it is put on the class path by
 * hand, this also reports whether its native library loads.
 */
final class CudnnSupport {
    private static final String NOT_USED = "not used (convolutions run on our kernels)";

    private CudnnSupport() {}

    static String status() {
        String jcudnn = jcudnnStatus();
        if (!CudaRuntime.available())
            return jcudnn == null ? "not used: JCudnn is not bundled (its last release, 11.7.0, needs cuDNN 8); convolutions run on our kernels"
                    : jcudnn + "; " + NOT_USED;
        return NOT_USED + "; " + JavaCppCudnn.status() + (jcudnn == null ? "" : "; " + jcudnn);
    }

    /** Whether JCudnn (put on the class path by hand) loads; null when it is not there. */
    private static String jcudnnStatus() {
        Class<?> c;
        try {
            c = Class.forName("jcuda.jcudnn.JCudnn", false, CudnnSupport.class.getClassLoader());
        } catch (Throwable t) {
            return null;
        }
        try {
            Object v = c.getMethod("cudnnGetVersion").invoke(null);
            return "JCudnn on the class path, cuDNN " + v + " loads";
        } catch (Throwable t) {
            Throwable cause = t instanceof java.lang.reflect.InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : t;
            return "JCudnn on the class path but not loaded: " + NativeFailure.summarize(cause);
        }
    }
}
