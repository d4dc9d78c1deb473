package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;

/** The Vector API (the incubator module jdk.incubator.vector) the CPU kernels are written in. */
public final class VectorApi {
    private VectorApi() {}

    /** Throws {@link VectorApiMissingError} when the JVM cannot load the Vector API. */
    static void require() {
        try {
            Class.forName("jdk.incubator.vector.FloatVector", false, VectorApi.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new VectorApiMissingError(e);
        }
    }

    /** The preferred vector shape, e.g. "8 floats (256-bit)"; call only once the CPU backend exists. */
    public static String preferredShape() {
        return FloatVector.SPECIES_PREFERRED.length() + " floats (" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit)";
    }
}
