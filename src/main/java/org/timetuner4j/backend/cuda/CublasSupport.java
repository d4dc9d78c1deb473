package org.timetuner4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * cuBLAS, an optional accelerator for the backend's matrix products, through the first provider
 * that works here: JCublas2 12.6 (needs libcublas.so.12, CUDA 12), else JavaCPP's cuBLAS 13
 * binding (libcublas.so.13, found as {@link CudaLibraryPaths} says, e.g. in PyTorch's wheels);
 * otherwise the backend's own GEMM kernel runs. FP32 math mode (no TF32), so results agree with
 * the CPU backend to the usual fp32 tolerance.
 *
 * <p>{@code -Dtimetuner.cublas=jcublas|javacpp} tries only that provider, {@code =off} none,
 * {@code =auto} (or unset) both in that order.
 */
public final class CublasSupport {
    static final String PROPERTY = "timetuner.cublas";
    private static final List<CublasProvider> PROVIDERS = List.of(new JCublasProvider(), new JavaCppCublasProvider());
    private static volatile List<String> lastChoice;  // the other providers' lines from the last tryCreate that tried some

    private final CublasProvider.Handle handle;

    private CublasSupport(CublasProvider.Handle handle) { this.handle = handle; }

    /** The providers {@code -Dtimetuner.cublas} allows, or null with the reason in {@code why[0]}. */
    private static List<CublasProvider> allowed(String[] why) {
        String p = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        if (p.isEmpty() || p.equals("auto")) return PROVIDERS;
        if (p.equals("off")) {
            why[0] = "disabled by -D" + PROPERTY + "=off";
            return null;
        }
        for (CublasProvider c : PROVIDERS) if (c.key().equals(p)) return List.of(c);
        why[0] = "not used: unknown -D" + PROPERTY + "=" + p + " (jcublas, javacpp, auto or off)";
        return null;
    }

    /** Loads the allowed providers' libraries (once each); "" when one loaded, else the reason. */
    static String loadLibrary() {
        String[] why = new String[1];
        List<CublasProvider> allowed = allowed(why);
        if (allowed == null) return why[0];
        for (CublasProvider c : allowed) if (c.load().isEmpty()) return "";
        return "no cuBLAS provider loads here (" + keys(allowed) + ")";
    }

    /** A handle on {@code stream} from the first allowed provider that works, or null with the reason in {@code why[0]}. */
    static CublasSupport tryCreate(CUstream stream, String[] why) {
        List<CublasProvider> allowed = allowed(why);
        if (allowed == null) return null;
        List<String> others = new ArrayList<>();
        CublasSupport chosen = null;
        for (CublasProvider c : PROVIDERS) {
            String status;
            if (!allowed.contains(c)) {
                status = "not tried: -D" + PROPERTY + "=" + allowed.get(0).key();
            } else if (chosen != null) {
                status = "not tried: " + chosen.handle.describe() + " came first";
            } else if (!c.load().isEmpty()) {
                status = c.load();
            } else {
                try {
                    chosen = new CublasSupport(c.open(stream));
                    continue;
                } catch (Throwable t) {  // CudaException, IllegalStateException: the message says which call and status
                    status = "loads, but " + (t instanceof RuntimeException && t.getMessage() != null
                            ? t.getMessage().lines().findFirst().orElse("") : NativeFailure.summarize(t));
                }
            }
            others.add(line(c, status));
        }
        lastChoice = List.copyOf(others);
        if (chosen == null) why[0] = "not used: no cuBLAS provider works here (" + keys(allowed) + ")";
        return chosen;
    }

    /**
     * One line per cuBLAS provider not in use and why, for {@code info}: from the last backend
     * created, else (no backend, e.g. no GPU) from loading each provider's library.
     */
    public static List<String> providerLines() {
        List<String> last = lastChoice;
        if (last != null) return last;
        String[] why = new String[1];
        List<CublasProvider> allowed = allowed(why);
        if (allowed == null) return List.of();  // the cuBLAS line says why
        List<String> lines = new ArrayList<>();
        for (CublasProvider c : PROVIDERS) {
            String status = !allowed.contains(c) ? "not tried: -D" + PROPERTY + "=" + allowed.get(0).key()
                    : c.load().isEmpty() ? "library loads" : c.load();
            lines.add(line(c, status));
        }
        return lines;
    }

    private static String line(CublasProvider c, String status) {
        return String.format("%-12s %s: %s", c.key(), c.label(), status);
    }

    private static String keys(List<CublasProvider> cs) {
        return String.join(", ", cs.stream().map(CublasProvider::key).toList());
    }

    /** e.g. "cuBLAS 13.1.0" from cublasGetVersion's major·10000 + minor·100 + patch. */
    static String versionString(int v) { return "cuBLAS " + v / 10000 + "." + v / 100 % 100 + "." + v % 100; }

    /** e.g. "cuBLAS 13.1.0 via JavaCPP (libcublas.so.13 from /…/nvidia/cu13/lib)". */
    String describe() { return handle.describe(); }

    /**
     * Row-major C[z] = op(A[z])·op(B[z]) for z < batch, as the column-major product
     * Cᵀ = op(B)ᵀ·op(A)ᵀ (the operands swap; the transposes stay).
     */
    void gemm(boolean ta, boolean tb, int m, int n, int k, CUdeviceptr a, int lda, long strideA,
              CUdeviceptr b, int ldb, long strideB, CUdeviceptr c, int ldc, long strideC, int batch) {
        handle.sgemm(tb, ta, n, m, k, b, ldb, strideB, a, lda, strideA, c, ldc, strideC, batch);
    }
}
