package org.timetuner4j.ops;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;
import org.timetuner4j.testing.CudaCase;
import org.timetuner4j.testing.GradCase;
import org.timetuner4j.testing.OpCase;

import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.timetuner4j.testing.CudaCase.EXACT;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * Full reductions (sum, sum of squares; the broadcast gradient's sumToShape is in
 * {@link ElementwiseOpTest}), every check in one place: the CPU backend against the sums in
 * double, the autograd ops' backward against central finite differences, and CUDA against the
 * CPU backend ({@code @Tag("gpu")}, skipped without a GPU). The .cu kernels also run on the CPU
 * under the C++ emulator: kernels/emu/emu_test.cpp (backend/cuda/KernelEmulatorTest).
 */
class ReductionOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    static Stream<OpCase> forward() {
        return Stream.of(1, 5, 1000, 100_003).map(n -> OpCase.of("sum / sum of squares of " + n + " values vs double sums", () -> {
            float[] x = Check.randomArray(new Random(n), n, 1);
            for (int i = 0; i < n; i++) x[i] += 0.5f;
            double s = 0, s2 = 0;
            for (float v : x) { s += v; s2 += (double) v * v; }
            Tensor t = CPU.fromHost(x, Shape.of(n));
            Check.maxRelative("sum", CPU.sum(t).toArray(), new float[] {(float) s}, 1e-6);
            Check.maxRelative("sum of squares", CPU.sumOfSquares(t).toArray(), new float[] {(float) s2}, 1e-6);
        }));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("forward")
    void cpuMatchesTheDoubleSums(OpCase c) throws Throwable { c.run(); }

    static Stream<GradCase> backward() {
        return Stream.of(
                GradCase.of("sum", t -> Ops.sum(t[0]), dims(3, 4)),
                GradCase.of("sum of squares", t -> Ops.sumOfSquares(t[0]), dims(3, 4)));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(List.of(CudaCase.of("sum / sumOfSquares", EXACT, be -> {
            Tensor x = be.affine(rnd(be, 1, 3, 100_003), 1f, 0.5f);
            return out(be.sum(x), be.sumOfSquares(x), be.sum(rnd(be, 2, 5)));
        })));
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
