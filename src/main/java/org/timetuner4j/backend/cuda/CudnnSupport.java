package org.timetuner4j.backend.cuda;

import java.util.Locale;

/**
 * The switch for cuDNN and its status where no backend exists. {@code -Dtimetuner.cudnn=off}
 * keeps the convolutions on our kernels; {@code =auto} (or unset) lets {@link CudnnConvolutions}
 * run them through JavaCPP's cuDNN 9 binding when it loads. JCudnn's Java classes exist on Maven
 * Central only up to 11.7.0, which binds cuDNN 8, so the build does not bundle JCudnn; when it
 * is put on the class path by hand, the status also says whether its native library loads.
 */
final class CudnnSupport {
    static final String PROPERTY = "timetuner.cudnn";
    private static final String KERNELS = "; convolutions run on our kernels";

    private CudnnSupport() {}

    /** null when {@code -Dtimetuner.cudnn} allows cuDNN, else why it is not used. */
    static String disabledReason() {
        String p = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        if (p.isEmpty() || p.equals("auto")) return null;
        if (p.equals("off")) return "disabled by -D" + PROPERTY + "=off";
        return "not used: unknown -D" + PROPERTY + "=" + p + " (auto or off)";
    }

    /** For {@code info} where no backend exists: why cuDNN is not used, or that its library loads. */
    static String status() {
        String jcudnn = jcudnnStatus();
        String tail = KERNELS + (jcudnn == null ? "" : "; " + jcudnn);
        String off = disabledReason();
        if (off != null) return off + tail;
        if (!CudaRuntime.available()) return "not used: CUDA is not available" + tail;
        JavaCppCudnn.Outcome o = JavaCppCudnn.outcome();
        return (o.loaded() ? o.line() : "not used: " + o.line() + KERNELS) + (jcudnn == null ? "" : "; " + jcudnn);
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
            return "JCudnn on the class path, cuDNN " + v + " loads (not used)";
        } catch (Throwable t) {
            Throwable cause = t instanceof java.lang.reflect.InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : t;
            return "JCudnn on the class path but not loaded: " + NativeFailure.summarize(cause);
        }
    }
}
