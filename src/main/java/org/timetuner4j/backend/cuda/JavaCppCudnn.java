package org.timetuner4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudnn;

/**
 * Loading JavaCPP's cuDNN 9 binding with the machine's libcudnn*.so.9 (found like cuBLAS 13's,
 * see {@link CudaLibraryPaths}), once, and only where CUDA works. {@link CudnnConvolutions}
 * uses it when it loaded.
 */
final class JavaCppCudnn {
    /** What loading gave: "" or the failure; the library's version ("cuDNN 9.10.2") and where it came from. */
    record Outcome(String failure, String version, String source) {
        boolean loaded() { return failure.isEmpty(); }

        /** e.g. "JavaCPP's cuDNN binding loads cuDNN 9.10.2 (libcudnn_graph.so.9 from DIR)", or the failure. */
        String line() { return loaded() ? "JavaCPP's cuDNN binding loads " + version + " (" + source + ")" : failure; }
    }

    private static volatile Outcome outcome;

    private JavaCppCudnn() {}

    /** The outcome for this process (loads the binding on the first call where CUDA works). */
    static synchronized Outcome outcome() {
        if (outcome == null) {
            outcome = CudaRuntime.available() ? load(CudaLibraryPaths.fromEnvironment())
                    : new Outcome("JavaCPP's cuDNN binding not tried: CUDA is not available", "", "");
        }
        return outcome;
    }

    /** e.g. "JavaCPP's cuDNN binding loads cuDNN 9.10.2 (libcudnn_graph.so.9 from DIR)", or why not. */
    static String status() { return outcome().line(); }

    /** {@link #load}'s line. */
    static String probe(CudaLibraryPaths.Search where) { return load(where).line(); }

    static Outcome load(CudaLibraryPaths.Search where) {
        JavaCppCuda.Loaded blas = JavaCppCuda.load(cublas.class, where, JavaCppCuda.CUBLAS_LIBS);  // the cuDNN binding builds on it
        if (!blas.failure().isEmpty())
            return failed("JavaCPP's cuDNN 9 binding not loaded: it needs cuBLAS 13's, which did not load: " + blas.failure());
        JavaCppCuda.Loaded l = JavaCppCuda.load(cudnn.class, where, JavaCppCuda.CUDNN_LIBS);
        if (!l.failure().isEmpty()) return failed("JavaCPP's cuDNN 9 binding not loaded: " + l.failure());
        String source = l.source("libcudnn_graph.so.9") + enginesNotLoaded(where);
        try {
            return new Outcome("", versionString(cudnn.cudnnGetVersion()), source);
        } catch (Throwable t) {
            return failed("JavaCPP's cuDNN 9 binding loaded, cudnnGetVersion failed: " + NativeFailure.summarize(t));
        }
    }

    private static Outcome failed(String why) { return new Outcome(why, "", ""); }

    /** Preloads the engine libraries where found; "" or "; NAME did not load: why" for each that failed. */
    private static String enginesNotLoaded(CudaLibraryPaths.Search where) {
        List<String> failed = new ArrayList<>();
        for (String so : JavaCppCuda.CUDNN_ENGINE_LIBS) {
            String f = where.preload(List.of(so)).failure();
            if (!f.isEmpty()) failed.add(f);
        }
        return failed.isEmpty() ? "" : "; " + String.join("; ", failed);
    }

    /** e.g. "cuDNN 9.10.2" from cudnnGetVersion's major·10000 + minor·100 + patch (cuDNN 9's encoding). */
    static String versionString(long v) { return "cuDNN " + v / 10000 + "." + v / 100 % 100 + "." + v % 100; }
}
