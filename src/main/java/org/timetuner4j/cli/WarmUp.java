package org.timetuner4j.cli;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetWarmUp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Warms the CPU backend's JIT for a model file's UNet ({@link UNetWarmUp}) before its weights
 * load. Before, not alongside: the warm-up's garbage is then collected while little is alive,
 * instead of the collector copying the weights and the convolutions' transformed filters out of
 * the young generation. -Dtimetuner.warmup=off skips it; the CUDA backend's kernels are compiled
 * ahead of time, and a file without a stored config is simply loaded. Models under 10 M
 * parameters (the shipped digits model has 1.1 M) are not warmed: their first call is short
 * anyway (the default `sample` took 4.5–5.5 s either way), and the warm-up would delay the
 * errors found after loading by a second.
 */
final class WarmUp {
    private WarmUp() {}

    private static final long MIN_PARAMETERS = 10_000_000;

    static void beforeLoading(Backend be, String modelSpec, boolean withGradients) {
        if (be != CpuBackend.INSTANCE || "off".equals(System.getProperty("timetuner.warmup")) || modelSpec.startsWith("gaussian:")) return;
        // a file too small to hold MIN_PARAMETERS at 2 bytes each (F16, BF16) skips the header parse that load repeats
        if (sizeOf(Path.of(modelSpec)) < 2 * MIN_PARAMETERS) return;
        ModelFile.storedConfig(Path.of(modelSpec))
                .filter(config -> new UNet(be, config).parameterCount() >= MIN_PARAMETERS)   // parameters are not made: cheap
                .ifPresent(config -> UNetWarmUp.run(config, be, withGradients));
    }

    /** The file's size, or 0 when it cannot be read (loading then says why). */
    private static long sizeOf(Path path) {
        try {
            return Files.size(path);
        } catch (IOException e) {
            return 0;
        }
    }
}
