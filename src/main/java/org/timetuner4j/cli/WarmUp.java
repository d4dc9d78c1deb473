package org.timetuner4j.cli;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.nn.UNetWarmUp;

import java.nio.file.Path;

/**
 * Warms the CPU backend's JIT for a model file's UNet ({@link UNetWarmUp}) before its weights
 * load. Before, not alongside: the warm-up's garbage is then collected while little is alive,
 * instead of the collector copying the weights and the convolutions' transformed filters out of
 * the young generation. -Dtimetuner.warmup=off skips it; the CUDA backend's kernels are compiled
 * ahead of time, and a file without a stored config is simply loaded.
 */
final class WarmUp {
    private WarmUp() {}

    static void beforeLoading(Backend be, String modelSpec, boolean withGradients) {
        if (be != CpuBackend.INSTANCE || "off".equals(System.getProperty("timetuner.warmup")) || modelSpec.startsWith("gaussian:")) return;
        ModelFile.storedConfig(Path.of(modelSpec)).ifPresent(config -> UNetWarmUp.run(config, be, withGradients));
    }
}
