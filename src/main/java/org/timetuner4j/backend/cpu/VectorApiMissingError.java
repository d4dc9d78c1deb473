package org.timetuner4j.backend.cpu;

/**
 * The JVM was started without the Vector API module the CPU kernels are written in. An
 * {@link Error} rather than an exception because it is thrown while {@link CpuBackend} initialises,
 * and only errors leave a class initialiser unwrapped, so the message below is the first line a
 * library user sees.
 */
public final class VectorApiMissingError extends Error {
    public static final String FLAG = "--add-modules jdk.incubator.vector";

    VectorApiMissingError(Throwable cause) {
        super("the CPU backend needs the Vector API, which this JVM was started without: add " + FLAG
                + " to the java command (before -jar or the main class; ./timetuner does this)", cause);
    }
}
