package org.timetuner4j.backend.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the CPU offers that the kernels care about. */
public final class CpuFeatures {
    private CpuFeatures() {}

    /**
     * Whether hardware fused multiply-add exists. Override with -Dtimetuner.fma=true|false.
     * Without it the Vector API's fma falls back to a slow exact software path.
     */
    public static boolean hasFma() {
        String forced = System.getProperty("timetuner.fma");
        if (forced != null) return Boolean.parseBoolean(forced);
        String arch = System.getProperty("os.arch", "");
        if (arch.contains("aarch64") || arch.contains("arm64")) return true;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) return (" " + line + " ").contains(" fma ");
            }
        } catch (IOException | SecurityException e) {
            return false;
        }
        return false;
    }
}
