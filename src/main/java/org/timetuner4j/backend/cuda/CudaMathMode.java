package org.timetuner4j.backend.cuda;

import java.util.Locale;

/**
 * Whether cuBLAS and cuDNN may multiply fp32 operands on TF32 tensor cores (10-bit mantissa
 * products, fp32 sums): {@code -Dtimetuner.cuda.tf32=on} or {@code TIMETUNER_TF32=on}; off by
 * default, so CUDA results stay within fp32 tolerance (1e-4) of the CPU backend. With TF32 expect
 * differences around 1e-3. Our own kernels always compute in fp32. Read when a backend starts.
 */
public final class CudaMathMode {
    static final String PROPERTY = "timetuner.cuda.tf32", ENV = "TIMETUNER_TF32";

    private CudaMathMode() {}

    /** TF32 requested: the property wins over the environment; "on", "true" or "1". */
    public static boolean tf32() {
        String p = System.getProperty(PROPERTY);
        String v = p != null && !p.isBlank() ? p : System.getenv().getOrDefault(ENV, "");
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "1" -> true;
            default -> false;
        };
    }

    /** The line `info` prints. */
    public static String describe() {
        return tf32()
                ? "TF32 allowed in cuBLAS and cuDNN (-D" + PROPERTY + " / " + ENV + "); our kernels fp32"
                : "fp32 (TF32 off; -D" + PROPERTY + "=on or " + ENV + "=on lets cuBLAS and cuDNN use it)";
    }
}
