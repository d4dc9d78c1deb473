package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs kernels/emu/run: every kernel in kernels/*.cu compiled as host C++ (one thread per CUDA
 * thread) and compared with straightforward loops. Catches indexing, tiling and reduction
 * mistakes in the CUDA kernels on machines without a GPU; skipped where g++ is missing.
 */
class KernelEmulatorTest {
    @Test void everyKernelMatchesItsLoopReferenceUnderTheHostEmulator() throws IOException, InterruptedException {
        assumeTrue(onPath("g++"), "g++ is not installed: the kernel emulator cannot be built here");
        Path script = Path.of("kernels", "emu", "run");
        assertTrue(Files.isRegularFile(script), "missing " + script);
        Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "emulator did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("passed: 0 failure(s)"), out);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        return false;
    }
}
