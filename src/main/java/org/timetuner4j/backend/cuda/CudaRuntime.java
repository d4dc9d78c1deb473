package org.timetuner4j.backend.cuda;

import java.util.Optional;

/**
 * Whether CUDA works here, probed once: JCuda's driver classes load (they need libcuda.so.1),
 * cuInit succeeds and a device exists. Never throws: a failure is kept as a one-line reason, so
 * that tests skip with it (JUnit assumptions), {@code info} prints it, and {@code --device auto}
 * falls back to the CPU. Setting {@code -Dtimetuner.cuda=off} or {@code TIMETUNER_CUDA=off}
 * disables CUDA; {@code -Dtimetuner.cuda.device=N} picks a device other than 0.
 */
public final class CudaRuntime {
    /** What the probe found about the device in use. */
    public record DeviceInfo(int ordinal, int deviceCount, String name, int ccMajor, int ccMinor,
                             long totalMemory, int driverVersion, int multiprocessors) {
        /** e.g. "NVIDIA H100 80GB HBM3 (device 0 of 1, compute 9.0, 132 SMs, 79.1 GiB, driver CUDA 13.0)" */
        public String describe() {
            return String.format("%s (device %d of %d, compute %d.%d, %d SMs, %.1f GiB, driver CUDA %d.%d)", name, ordinal,
                    deviceCount, ccMajor, ccMinor, multiprocessors, totalMemory / (double) (1L << 30),
                    driverVersion / 1000, driverVersion % 1000 / 10);
        }
    }

    private static volatile Object result;  // DeviceInfo, or the reason (String) it failed

    private CudaRuntime() {}

    private static Object probe() {
        Object r = result;
        if (r != null) return r;
        synchronized (CudaRuntime.class) {
            if (result == null) result = probeOnce();
            return result;
        }
    }

    private static Object probeOnce() {
        String prop = System.getProperty("timetuner.cuda", "");
        String env = System.getenv().getOrDefault("TIMETUNER_CUDA", "");
        if (prop.equalsIgnoreCase("off")) return "disabled by -Dtimetuner.cuda=off";
        if (env.equalsIgnoreCase("off")) return "disabled by TIMETUNER_CUDA=off";
        int ordinal;
        try {
            ordinal = Integer.parseInt(System.getProperty("timetuner.cuda.device", "0"));
        } catch (NumberFormatException e) {
            return "bad -Dtimetuner.cuda.device: " + e.getMessage();
        }
        try {
            return CudaProbe.probe(ordinal);
        } catch (Throwable t) {  // UnsatisfiedLinkError, ExceptionInInitializerError, NoClassDefFoundError, CudaException
            return "no usable CUDA driver: " + NativeFailure.summarize(t);
        }
    }

    /** True when the driver loaded and a device is there. */
    public static boolean available() { return probe() instanceof DeviceInfo; }

    /** Why CUDA is not available, or the device line when it is. */
    public static String reason() {
        Object r = probe();
        return r instanceof DeviceInfo d ? "available: " + d.describe() : (String) r;
    }

    public static Optional<DeviceInfo> device() {
        return probe() instanceof DeviceInfo d ? Optional.of(d) : Optional.empty();
    }
}
