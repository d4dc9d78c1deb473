package org.timetuner4j.cli;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;

/** --device: which backend runs the work. */
final class Devices {
    private Devices() {}

    static Backend select(String device) {
        return switch (device) {
            case "cpu", "auto" -> CpuBackend.INSTANCE;
            case "cuda" -> throw new IllegalArgumentException("--device cuda: the CUDA backend is not part of this build yet; use cpu");
            default -> throw new IllegalArgumentException("--device must be cpu, cuda or auto, got '" + device + "'");
        };
    }
}
