package org.timetuner4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/** Loads the packaged PTX modules into the current context and finds every {@link Kernel}'s function. */
final class KernelModules {
    private KernelModules() {}

    /** Every kernel's function, its module loaded once; IllegalStateException when a module does not load. */
    static EnumMap<Kernel, CUfunction> load() {
        EnumMap<Kernel, CUfunction> functions = new EnumMap<>(Kernel.class);
        Map<String, CUmodule> modules = new HashMap<>();
        for (Kernel k : Kernel.values()) {
            CUmodule m = modules.computeIfAbsent(k.module, name -> {
                CUmodule mod = new CUmodule();
                try {
                    cuModuleLoadData(mod, ptx(k.resource()));
                } catch (RuntimeException e) {
                    throw new IllegalStateException("PTX module " + name + " did not load (" + NativeFailure.summarize(e)
                            + "); a CUDA_ERROR_UNSUPPORTED_PTX_VERSION here means the driver is older than CUDA 12.0", e);
                }
                return mod;
            });
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, m, k.entry);
            functions.put(k, f);
        }
        return functions;
    }

    /** The PTX text with the trailing zero byte cuModuleLoadData needs. */
    static byte[] ptx(String resource) {
        try (InputStream in = KernelModules.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource + " (run tools/build-kernels)");
            byte[] text = in.readAllBytes();
            byte[] z = new byte[text.length + 1];
            System.arraycopy(text, 0, z, 0, text.length);
            return z;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
