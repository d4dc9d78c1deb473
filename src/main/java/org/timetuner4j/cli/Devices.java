package org.timetuner4j.cli;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cuda.CudaBackend;
import org.timetuner4j.backend.cuda.CudaRuntime;

/** --device: which backend runs the work. */
final class Devices {
    private Devices() {}

    static Backend select(String device) {
        return switch (device) {
            case "cpu" -> CpuBackend.INSTANCE;
            case "auto" -> CudaRuntime.available() && CudaBackend.usable() ? CudaBackend.instance() : CpuBackend.INSTANCE;
            case "cuda" -> cuda();
            default -> throw new IllegalArgumentException("--device must be cpu, cuda or auto, got '" + device + "'");
        };
    }

    private static Backend cuda() {
        if (!CudaRuntime.available())
            throw new IllegalArgumentException("--device cuda: CUDA is not available (" + CudaRuntime.reason() + "); use --device cpu");
        try {
            return CudaBackend.instance();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("--device cuda: " + e.getMessage() + "; use --device cpu");
        }
    }
}
