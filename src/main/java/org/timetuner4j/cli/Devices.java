package org.timetuner4j.cli;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cuda.CudaBackend;
import org.timetuner4j.backend.cuda.CudaRuntime;

import java.io.PrintStream;
import java.util.IdentityHashMap;
import java.util.Map;

/** --device: which backend runs the work. */
final class Devices {
    /** Self-check results by backend, so that one run checks a backend once. */
    private static final Map<Backend, DeviceSelfCheck.Result> CHECKED = new IdentityHashMap<>();

    private Devices() {}

    static Backend select(String device) {
        return switch (device) {
            case "cpu" -> CpuBackend.INSTANCE;
            case "auto" -> CudaRuntime.available() && CudaBackend.usable() ? checked(CudaBackend.instance(), System.err) : CpuBackend.INSTANCE;
            case "cuda" -> cuda();
            default -> throw new IllegalArgumentException("--device must be cpu, cuda or auto, got '" + device + "'");
        };
    }

    /**
     * {@code candidate} when its self-check against the CPU backend passes; otherwise the CPU
     * backend, after one warning line naming the op that disagreed.
     */
    static Backend checked(Backend candidate, PrintStream warnings) {
        DeviceSelfCheck.Result r = selfCheck(candidate);
        if (r.passed()) return candidate;
        warnings.println("warning: --device auto: the " + candidate.name() + " backend's self-check " + oneLine(r.describe())
                + "; using the CPU");
        return CpuBackend.INSTANCE;
    }

    /** The self-check of {@code candidate} against the CPU backend, run once per backend. */
    static synchronized DeviceSelfCheck.Result selfCheck(Backend candidate) {
        return CHECKED.computeIfAbsent(candidate, b -> DeviceSelfCheck.run(b, CpuBackend.INSTANCE));
    }

    private static String oneLine(String s) { return s.replaceAll("\\s*[\\r\\n]+\\s*", " "); }

    private static Backend cuda() {
        if (!CudaRuntime.available())
            throw new IllegalArgumentException("--device cuda: CUDA is not available (" + CudaRuntime.reason() + "); use --device cpu");
        try {
            return CudaBackend.instance();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("--device cuda: " + e.getMessage() + "; use --device cpu");
        }
    }
}
