package org.timetuner4j.backend.cpu;

/** A library user's first touch of the engine, for {@link VectorApiMissingTest}'s forked JVM. */
public final class CpuBackendProbe {
    public static void main(String[] args) {
        System.out.println("backend " + CpuBackend.INSTANCE.name());
    }
}
