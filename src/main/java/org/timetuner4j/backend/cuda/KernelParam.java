package org.timetuner4j.backend.cuda;

import java.util.Set;

/**
 * The Java type of one kernel parameter and the PTX {@code .param} types it may be passed as
 * (KernelSignatureTest holds every {@link Kernel}'s list against the committed PTX).
 */
public enum KernelParam {
    /** A device pointer (CUdeviceptr), 8 bytes. */
    PTR(".u64"),
    /** A Java int, 4 bytes. */
    I32(".u32", ".s32"),
    /** A Java long, 8 bytes. */
    I64(".u64", ".s64"),
    /** A Java float. */
    F32(".f32"),
    /** A Java double. */
    F64(".f64");

    /** The PTX parameter types that hold this Java type. */
    public final Set<String> ptxTypes;

    KernelParam(String... ptxTypes) { this.ptxTypes = Set.of(ptxTypes); }
}
