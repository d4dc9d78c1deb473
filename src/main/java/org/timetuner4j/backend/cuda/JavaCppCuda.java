package org.timetuner4j.backend.cuda;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * Loading JavaCPP's CUDA bindings (org.bytedeco:cuda, JNI glue only) against the machine's CUDA
 * 13 libraries. The JNI libraries name their dependencies by soname (libcudart.so.13, ...); the
 * dynamic linker matches a soname against libraries already loaded before it searches its
 * paths, so loading the real files first by absolute path, dependencies first, lets the JNI
 * libraries load from wherever {@link CudaLibraryPaths} found them.
 */
final class JavaCppCuda {
    /** jnicudart needs libcudart (and libcuda.so.1, the driver's); jnicublas needs libcublasLt and libcublas. */
    static final List<String> CUBLAS_LIBS = List.of("libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13");
    /** The cuDNN binding loads the cuBLAS one first; jnicudnn itself needs cuDNN 9's graph, ops, cnn and adv parts. */
    static final List<String> CUDNN_LIBS = Stream.concat(CUBLAS_LIBS.stream(), Stream.of("libcudnn_graph.so.9",
            "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9", "libcudnn.so.9")).toList();
    /**
     * Parts cuDNN 9 opens itself (by soname) when a convolution is planned or run, and NVRTC for
     * its runtime-compiled engines; preloaded one by one after the binding, each optional, so that
     * they are found in a wheel directory off the dynamic linker's path.
     */
    static final List<String> CUDNN_ENGINE_LIBS = List.of("libcudnn_engines_precompiled.so.9", "libcudnn_heuristic.so.9",
            "libnvrtc.so.13", "libcudnn_engines_runtime_compiled.so.9");

    /** The outcome: the failure ("" when the binding loaded) and what was preloaded from where. */
    record Loaded(String failure, CudaLibraryPaths.Preloaded preloaded) {
        /** "libcublas.so.13 from DIR", or from the linker's own search path when not preloaded. */
        String source(String soname) {
            return soname + preloaded.pathOf(soname).map(p -> " from " + p.getParent())
                    .orElse(" from the dynamic linker's search path");
        }
    }

    // A binding class whose static initializer failed can never load in this JVM (later uses
    // throw NoClassDefFoundError), so the first failure is kept to be reported again.
    private static final Map<Class<?>, String> LOADER_FAILURES = new HashMap<>();

    private JavaCppCuda() {}

    /** Preloads {@code sonames} found by {@code where}, then the JNI library of {@code binding}. Never throws. */
    static synchronized Loaded load(Class<?> binding, CudaLibraryPaths.Search where, List<String> sonames) {
        CudaLibraryPaths.Preloaded pre = where.preload(sonames);
        if (!pre.failure().isEmpty()) return new Loaded(pre.failure(), pre);
        String earlier = LOADER_FAILURES.get(binding);
        if (earlier != null) return new Loaded(earlier, pre);
        try {
            Loader.load(binding);
            return new Loaded("", pre);
        } catch (Throwable t) {  // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
            String hint = pre.notFound().isEmpty() ? ""
                    : " (" + String.join(", ", pre.notFound()) + " not found in " + where.describe() + ")";
            String failure = NativeFailure.summarize(t) + hint;
            LOADER_FAILURES.put(binding, failure);
            return new Loaded(failure, pre);
        }
    }

    /** A JavaCPP pointer at a raw address (a device pointer, a stream); JavaCPP's typed pointers copy it. */
    static final class At extends Pointer {
        At(long address) { this.address = address; }
    }
}
