package org.timetuner4j.ops;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Shape;
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
 * Embedding lookup (class labels → rows of a [V, D] table), every check in one place: the CPU
 * backend against the row copy and the row-summed gradient, the autograd op's backward against
 * central finite differences (a repeated label's row gets the sum, an unused row none), and
 * CUDA against the CPU backend ({@code @Tag("gpu")}, skipped without a GPU). The .cu kernels
 * also run on the CPU under the C++ emulator: kernels/emu/emu_test.cpp (backend/cuda/KernelEmulatorTest).
 */
class EmbeddingOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    static Stream<OpCase> forward() {
        return Stream.of(new int[] {3, 0, 9, 3, 3, 1}, new int[] {0}, new int[] {2, 0, 2, 1}).map(idx -> OpCase.of(
                "embedding [10,33] rows " + java.util.Arrays.toString(idx) + " and gradient vs row loop", () -> {
                    int v = 10, d = 33;
                    Random r = new Random(java.util.Arrays.hashCode(idx));
                    float[] w = Check.randomArray(r, v * d, 1), g = Check.randomArray(r, idx.length * d, 1);
                    float[] rows = new float[idx.length * d];
                    double[] sum = new double[v * d];
                    for (int i = 0; i < idx.length; i++)
                        for (int j = 0; j < d; j++) {
                            rows[i * d + j] = w[idx[i] * d + j];
                            sum[idx[i] * d + j] += g[i * d + j];
                        }
                    float[] gw = new float[v * d];
                    for (int i = 0; i < gw.length; i++) gw[i] = (float) sum[i];
                    Check.maxRelative("embedding", CPU.embedding(CPU.fromHost(w, Shape.of(v, d)), idx).toArray(), rows, 0);
                    Check.maxRelative("embedding backward", CPU.embeddingBackward(CPU.fromHost(g, Shape.of(idx.length, d)), idx, v).toArray(), gw, 1e-6);
                }));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("forward")
    void cpuMatchesTheRowLoop(OpCase c) throws Throwable { c.run(); }

    static Stream<GradCase> backward() {
        // label 2 is picked twice: its row's gradient is the sum of both; row 3 gets none
        return Stream.of(GradCase.of("embedding", t -> Ops.embedding(t[0], new int[] {2, 0, 2, 1}), dims(4, 3)));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(List.of(CudaCase.of("embedding fwd/bwd", EXACT, be -> {
            var w = rnd(be, 1, 10, 33);
            var g = rnd(be, 2, 6, 33);
            int[] idx = {3, 0, 9, 3, 3, 1};
            return out(be.embedding(w, idx), be.embeddingBackward(g, idx, 10));
        })));
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
