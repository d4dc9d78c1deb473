package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.timetuner4j.testing.CliRun;

/**
 * Without a CUDA driver or device (CI, this project's development machines) everything about
 * CUDA degrades to one clear line: the probe, {@code info}, and {@code --device cuda}.
 */
class CudaUnavailableTest {

    @Test void probeNeverThrowsAndGivesOneLine() {
        boolean available = CudaRuntime.available();  // a second call gives the cached answer
        assertEquals(available, CudaRuntime.available());
        String reason = CudaRuntime.reason();
        assertFalse(reason.isBlank());
        assertFalse(reason.contains("\n"), reason);
        assertEquals(available, CudaRuntime.device().isPresent());
    }

    @Test void withoutCudaTheBackendRefusesWithTheReason() {
        Assumptions.assumeFalse(CudaRuntime.available(), "CUDA works here");
        IllegalStateException e = assertThrows(IllegalStateException.class, CudaBackend::instance);
        assertTrue(e.getMessage().contains(CudaRuntime.reason()), e.getMessage());
        assertFalse(CudaBackend.usable());
    }

    @Test void infoReportsCudaCleanly() {
        Object[] r = CliRun.runCapturingStdout("info");
        String out = (String) r[2];
        System.out.print(out);
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(out.contains("backend cpu: available"), out);
        assertTrue(out.contains("  convolutions   Winograd F(4x4,3x3) for 3x3 stride-1"), out);
        assertTrue(out.contains("  cuBLAS "), out);
        assertTrue(out.contains("  cuDNN "), out);
        if (CudaRuntime.available()) {
            assertTrue(out.contains("backend cuda: available") || out.contains("backend cuda: not available ("), out);
        } else {
            assertTrue(out.contains("backend cuda: not available (" + CudaRuntime.reason() + ")"), out);
        }
        assertFalse(out.contains("Exception"), out);
    }

    @Test void deviceCudaWithoutAGpuIsAOneLineError() {
        Assumptions.assumeFalse(CudaRuntime.available(), "CUDA works here");
        Object[] r = CliRun.run("sample", "--model", "gaussian:mean=0,std=1,shape=1x4x4", "--device", "cuda",
                "--out", System.getProperty("java.io.tmpdir") + "/cuda-unavailable.png");
        String err = ((String) r[1]).strip();
        assertNotEquals(0, r[0]);
        assertTrue(err.contains("--device cuda") && err.contains("not available"), err);
        assertEquals(1, err.lines().count(), err);
    }

    @Test void deviceAutoWithoutAGpuRunsOnTheCpu() {
        Assumptions.assumeFalse(CudaRuntime.available(), "CUDA works here");
        Object[] r = CliRun.run("sample", "--model", "gaussian:mean=0,std=1,shape=1x4x4", "--device", "auto", "--nfe", "2",
                "--out", System.getProperty("java.io.tmpdir") + "/cuda-auto.png");
        assertEquals(0, r[0], (String) r[1]);
    }
}
