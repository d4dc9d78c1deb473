package org.timetuner4j.bench;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cuda.CudaBackend;
import org.timetuner4j.backend.cuda.CudaRuntime;

/**
 * The benchmarks' {@code device} parameter: {@code cpu} (the default, as before) or {@code cuda}.
 * On CUDA every op is queued on one stream, so a measured operation ends with {@link #sync()}
 * (a stream synchronize) to time the work itself rather than its queueing.
 */
final class BenchDevice {
    private final Backend backend;
    private final CudaBackend cuda;

    private BenchDevice(Backend backend, CudaBackend cuda) {
        this.backend = backend;
        this.cuda = cuda;
    }

    /** The backend for {@code name}; {@link Unavailable} (one line, no stack trace) when it cannot run here. */
    static BenchDevice of(String name) {
        switch (name) {
            case "cpu":
                return new BenchDevice(CpuBackend.INSTANCE, null);
            case "cuda":
                if (!CudaRuntime.available()) throw new Unavailable("device=cuda: " + CudaRuntime.reason());
                try {
                    CudaBackend be = CudaBackend.instance();
                    return new BenchDevice(be, be);
                } catch (IllegalStateException e) {
                    throw new Unavailable("device=cuda: " + e.getMessage());
                }
            default:
                throw new Unavailable("device must be cpu or cuda, got '" + name + "'");
        }
    }

    Backend backend() { return backend; }

    boolean isCuda() { return cuda != null; }

    /** Waits for the device to finish every queued op (nothing to wait for on the CPU). */
    void sync() {
        if (cuda != null) cuda.synchronize();
    }

    /** One line for the benchmark log: which device and, on CUDA, whether cuBLAS runs the matrix products. */
    String describe() {
        if (cuda == null) return "device=cpu";
        return "device=cuda " + cuda.device().describe() + "; cuBLAS " + cuda.cublasStatus();
    }

    /**
     * Why a benchmark cannot run on the requested device. No stack trace: JMH prints the
     * message as the trial's failure and moves on to the next parameter set.
     */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message, null, false, false);
        }

        @Override public String toString() {
            return "skipped: " + getMessage();
        }
    }
}
