package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the CUDA 13 libraries are absent, the JavaCPP cuBLAS provider fails with one line, not an
 * exception. Only the no-CUDA case: with a GPU the gpu-tagged CublasProvidersTest loads it for real.
 */
class JavaCppCublasProviderTest {
    @TempDir Path tmp;

    private static void assertOneLine(String s) {
        System.out.println("javacpp provider: " + s);
        assertFalse(s.isBlank());
        assertFalse(s.contains("\n"), s);
        assertFalse(s.contains("Exception"), s);
    }

    @Test void withoutCudaNothingIsTried() {
        Assumptions.assumeFalse(CudaRuntime.available(), "CUDA works here");
        JavaCppCublasProvider p = new JavaCppCublasProvider();
        assertEquals("not tried: CUDA is not available", p.load());
        assertTrue(JavaCppCudnn.status().contains("not tried: CUDA is not available"), JavaCppCudnn.status());
    }

    @Test void aFileThatIsNotALibraryGivesOneLine() throws IOException {
        Files.write(tmp.resolve("libcudart.so.13"), CudaLibraryPathsTest.elfWithoutSegments());
        String why = new JavaCppCublasProvider().loadFrom(CudaLibraryPaths.resolve(tmp.toString(), null, List.of(), List.of()));
        assertOneLine(why);
        assertTrue(why.startsWith("not loaded: could not load " + tmp.resolve("libcudart.so.13")), why);
    }

    @Test void noLibrariesAnywhereGivesOneLineNamingWhatIsMissing() {
        Assumptions.assumeFalse(CudaRuntime.available(), "CUDA works here (the gpu tests load the provider)");
        String key = "org.bytedeco.javacpp.cachedir", old = System.getProperty(key);
        if (old == null) System.setProperty(key, JavaCppPreloadTest.javacppCacheDir(tmp).toString());
        try {
            Path empty = tmp.resolve("empty");
            String why = new JavaCppCublasProvider().loadFrom(CudaLibraryPaths.resolve(empty.toString(), null, List.of(), List.of()));
            assertOneLine(why);
            assertTrue(why.startsWith("not loaded: "), why);
            assertTrue(why.contains("libcudart.so.13, libcublasLt.so.13, libcublas.so.13 not found in -Dtimetuner.cuda.libs="), why);
            assertTrue(why.contains("does not exist"), why);
        } finally {
            if (old == null) System.clearProperty(key);
        }
    }
}
