package org.timetuner4j.ops;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.CpuFastPaths;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.CudaCase;
import org.timetuner4j.testing.GradCase;
import org.timetuner4j.testing.OpCase;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.timetuner4j.testing.CudaCase.FP32;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * The DDPM sinusoidal timestep embedding (sin block, then cos block), every check in one
 * place: the CPU backend against values PyTorch printed, the autograd op's d/dt against central
 * finite differences, and CUDA against the CPU backend ({@code @Tag("gpu")}, skipped without a
 * GPU). The .cu kernel also runs on the CPU under the C++ emulator: kernels/emu/emu_test.cpp
 * (backend/cuda/KernelEmulatorTest).
 */
class TimestepEmbeddingOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    static Stream<OpCase> forward() {
        return Stream.of(OpCase.of("timestep embedding dim 128 at t = 0, 1, 999 vs PyTorch", TimestepEmbeddingOpTest::matchesPyTorchValues));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("forward")
    void cpuMatchesPyTorch(OpCase c) throws Throwable { c.run(); }

    /** PyTorch 2.13 CPU values of the ddim embedding (UNet spec §1.3, ch = 128). */
    private static void matchesPyTorchValues() {
        float[] f = CpuFastPaths.timestepFrequencies(128);
        assertEquals(0.86398846f, f[1]);
        assertEquals(0.74647605f, f[2]);
        assertEquals(9.999999e-05f, f[63]);
        float[] e = CPU.timestepEmbedding(CPU.fromHost(new float[] {0, 1, 999}, Shape.of(3)), 128).toArray();
        float[][] expected = {
                {0, 0, 0, 1, 1, 1},
                {0.84147096f, 0.76043874f, 9.999999e-05f, 0.5403023f, 0.64940965f, 1},
                {-0.026460752f, 0.7267159f, 0.09973391f, 0.9996499f, -0.6869381f, 0.99501413f}};
        int[] cols = {0, 1, 63, 64, 65, 127};
        for (int row = 0; row < 3; row++)
            for (int j = 0; j < cols.length; j++) {
                float actual = e[row * 128 + cols[j]];
                // within 1 ulp of PyTorch (two entries are PyTorch's own 1-ulp deviation from correct rounding)
                assertEquals(expected[row][j], actual, Math.ulp(expected[row][j]) * 1.01f, "row " + row + " col " + cols[j]);
            }
    }

    static Stream<GradCase> backward() {
        // small t so that float32 arguments keep enough digits for a finite difference
        return Stream.of(GradCase.of("timestep embedding d/dt", x -> Ops.timestepEmbedding(x[0], 16), dims(3))
                .at(new float[] {0.3f, 1.7f, 4.25f}).eps(1e-3));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        List<CudaCase> c = new ArrayList<>();
        for (int dim : new int[] {128, 33})
            c.add(CudaCase.of("timestep embedding fwd/bwd dim " + dim, FP32, be -> {
                Tensor t = be.fromHost(new float[] {0f, 1f, 17.25f, 500f, 999f}, Shape.of(5));
                Tensor g = rnd(be, 2, 5, dim);
                return out(be.timestepEmbedding(t, dim), be.timestepEmbeddingBackward(g, t, dim));
            }));
        return CudaCase.onBothPaths(c);
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
