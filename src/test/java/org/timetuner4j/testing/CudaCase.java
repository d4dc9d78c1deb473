package org.timetuner4j.testing;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.provider.Arguments;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cuda.CudaBackend;
import org.timetuner4j.backend.cuda.CudaRuntime;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One CUDA-against-CPU case of an op family's table: the same function builds its inputs from
 * the same seeds on both backends, and every output (copied to the host) is compared at the
 * case's tolerance (max |diff| / max |ref|). Each case runs twice on the GPU: on our kernels
 * only, and with cuBLAS for the matrix products and cuDNN for the symmetric-padding
 * convolutions when they load. Where no CUDA driver or device is present, an assumption skips it.
 * The family's test method carries {@code @Tag("gpu")}: plain {@code mvn test} leaves it out,
 * and the GPU session ({@code go.sh test --include-tag gpu}) runs it.
 */
public record CudaCase(String name, double tol, Function<Backend, float[][]> run) {
    /** fp32 arithmetic in a different order; exact ops and Philox noise. */
    public static final double FP32 = 1e-4, EXACT = 1e-6;

    private static CudaBackend kernelsOnly, withLibraries;

    public static CudaCase of(String name, double tol, Function<Backend, float[][]> run) { return new CudaCase(name, tol, run); }

    /** The shared CUDA backend (one per process and kind); skips the calling test where CUDA is absent. */
    public static synchronized CudaBackend cuda(boolean libraries) {
        Assumptions.assumeTrue(CudaRuntime.available(), () -> "no CUDA here: " + CudaRuntime.reason());
        if (libraries) {
            if (withLibraries == null) withLibraries = new CudaBackend(true);
            return withLibraries;
        }
        if (kernelsOnly == null) kernelsOnly = new CudaBackend(false);
        return kernelsOnly;
    }

    /** Every case on both paths: (case, false) on our kernels, (case, true) with cuBLAS/cuDNN. */
    public static Stream<Arguments> onBothPaths(List<CudaCase> cases) {
        return cases.stream().flatMap(k -> Stream.of(Arguments.of(k, false), Arguments.of(k, true)));
    }

    /** A tensor of N(0, 1) values drawn from the seed, the same on every backend. */
    public static Tensor rnd(Backend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return be.fromHost(Check.randomArray(new Random(seed), s.numel(), 1.0), s);
    }

    public static float[][] out(Tensor... ts) {
        float[][] r = new float[ts.length][];
        for (int i = 0; i < ts.length; i++) r[i] = ts[i].toArray();
        return r;
    }

    /** Runs the case on the CPU backend (the reference) and on CUDA, and compares every output. */
    public void check(boolean libraries) {
        CudaBackend gpu = cuda(libraries);
        float[][] want, got;
        try (Scope s = Scope.open()) { want = run.apply(CpuBackend.INSTANCE); }
        try (Scope s = Scope.open()) { got = run.apply(gpu); }
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++)
            Check.maxRelative(name + " [" + i + "] " + (libraries ? gpu.cublasStatus() : "kernels"), got[i], want[i], tol);
    }

    @Override public String toString() { return name; }
}
