package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preloading that lets JavaCPP's JNI glue use CUDA 13 libraries outside the dynamic linker's
 * search path, checked without a GPU: stand-ins built with gcc (the sonames, the symbol versions
 * the glue asks for, and the few functions called) in a temporary directory. It runs in a child
 * JVM, because a stand-in libcuda.so.1 must not meet JCuda in the test JVM. Skips without gcc.
 */
class JavaCppPreloadTest {
    @TempDir Path tmp;

    /** soname → C source of the stand-in. */
    private static final Map<String, String> STAND_INS = Map.ofEntries(
            Map.entry("libcuda.so.1", "int cuInit(unsigned f) { return 100; }"),
            Map.entry("libcudart.so.13", "int cudaGetDeviceCount(int *n) { *n = 0; return 100; }"),
            Map.entry("libcublasLt.so.13", "int cublasLtGetVersion(void) { return 130100; }"),
            Map.entry("libcublas.so.13", "int cublasCreate_v2(void **h) { return 1; }\n"
                    + "const char *cublasGetStatusString(int s) { return s == 1 ? \"CUBLAS_STATUS_NOT_INITIALIZED\" : \"?\"; }"),
            Map.entry("libcudnn_graph.so.9", "unsigned long cudnnGetVersion(void) { return 91002; }"),
            Map.entry("libcudnn_ops.so.9", "int ops_stand_in(void) { return 0; }"),
            Map.entry("libcudnn_cnn.so.9", "int cnn_stand_in(void) { return 0; }"),
            Map.entry("libcudnn_adv.so.9", "int adv_stand_in(void) { return 0; }"),
            Map.entry("libcudnn.so.9", "int cudnn_stand_in(void) { return 0; }"));

    @Test void theBindingsLoadTheLibrariesPreloadedFromAnyDirectory() throws Exception {
        Path libs = Files.createDirectories(tmp.resolve("libs")), src = Files.createDirectories(tmp.resolve("src"));
        for (Map.Entry<String, String> e : STAND_INS.entrySet()) {
            String so = e.getKey();
            Path c = Files.writeString(src.resolve(so + ".c"), e.getValue() + "\n");
            Path map = Files.writeString(src.resolve(so + ".map"), so + " { global: *; };\n");  // the version node the glue needs
            Assumptions.assumeTrue(run(60, "gcc", "-shared", "-fPIC", "-o", libs.resolve(so).toString(), c.toString(),
                    "-Wl,-soname," + so, "-Wl,--version-script," + map, "-Wl,-z,noexecstack").startsWith("exit 0"), "no working gcc");
        }
        String out = run(120, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dorg.bytedeco.javacpp.cachedir=" + javacppCacheDir(tmp), "-cp", childClassPath(),
                Child.class.getName(), libs.toString());
        System.out.print(out);
        assertTrue(out.startsWith("exit 0"), out);
        assertTrue(out.contains("\nload: ''\n"), out);
        assertTrue(out.contains("\nopen: IllegalStateException: cublasCreate failed: CUBLAS_STATUS_NOT_INITIALIZED\n"), out);
        assertTrue(out.contains("\ncudnn: JavaCPP's cuDNN binding loads cuDNN 9.10.2 (libcudnn_graph.so.9 from " + libs + ")\n"), out);
    }

    /**
     * Where a test lets JavaCPP extract its JNI glue: the build directory (not the user's
     * ~/.javacpp, nor a temporary folder whose clean-up trips over JavaCPP's links to the CUDA
     * toolkit), else {@code fallback}.
     */
    static Path javacppCacheDir(Path fallback) {
        Path target = Path.of("target");
        return (Files.isDirectory(target) ? target : fallback).resolve("javacpp-cache").toAbsolutePath();
    }

    /** "exit N\n" and the output of a command, or "no such command" when it cannot start. */
    private static String run(int seconds, String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "no such command: " + command[0];
        }
        p.getOutputStream().close();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out: " + String.join(" ", command);
        }
        return "exit " + p.exitValue() + "\n" + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The jars and class folders the child needs, wherever this test runs from (Maven, the JUnit console). */
    private static String childClassPath() throws URISyntaxException {
        Set<String> cp = new LinkedHashSet<>();
        for (Class<?> c : List.of(Child.class, CudaLibraryPaths.class, CUstream.class, org.bytedeco.javacpp.Loader.class,
                org.bytedeco.cuda.global.cublas.class))
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        for (String natives : List.of("org/bytedeco/javacpp/linux-x86_64/libjnijavacpp.so", "org/bytedeco/cuda/linux-x86_64/libjnicublas.so")) {
            URL u = JavaCppPreloadTest.class.getClassLoader().getResource(natives);
            Assumptions.assumeTrue(u != null && u.toString().startsWith("jar:file:"), "JavaCPP's linux-x86_64 natives are not on the class path");
            String s = u.toString();
            cp.add(Path.of(new java.net.URI(s.substring("jar:".length(), s.indexOf("!/")))).toString());
        }
        return String.join(File.pathSeparator, new ArrayList<>(cp));
    }

    /** The child: loads the stand-ins as the providers do, prints what happened. */
    public static final class Child {
        public static void main(String[] args) {
            Path libs = Path.of(args[0]);
            System.load(libs.resolve("libcuda.so.1").toString());  // JCuda's driver library would have loaded the driver
            CudaLibraryPaths.Search where = CudaLibraryPaths.resolve(libs.toString(), null, List.of(), List.of());
            JavaCppCublasProvider provider = new JavaCppCublasProvider();
            System.out.println("load: '" + provider.loadFrom(where) + "'");
            try {
                System.out.println("open: " + provider.open(new CUstream()).describe());
            } catch (RuntimeException e) {
                System.out.println("open: " + NativeFailure.summarize(e));
            }
            System.out.println("cudnn: " + JavaCppCudnn.probe(where));
        }
    }
}
