package org.timetuner4j.ops;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.Philox;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.testing.CudaCase;
import org.timetuner4j.testing.GradCase;
import org.timetuner4j.testing.OpCase;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.timetuner4j.testing.CudaCase.EXACT;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * Counter-based random numbers (Philox 4×32-10: randn, randnRows, rand, the dropout mask) and
 * dropout, every check in one place: Philox against Random123's known answers, the streams'
 * index-only dependence and moments, dropout's backward (one mask forward and backward) against
 * central finite differences, and CUDA against the CPU backend ({@code @Tag("gpu")}, skipped
 * without a GPU). The .cu kernels also run on the CPU under the C++ emulator:
 * kernels/emu/emu_test.cpp (backend/cuda/KernelEmulatorTest).
 */
class RandomOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    static Stream<OpCase> reference() {
        return Stream.of(
                OpCase.of("Philox known answers (Random123 kat_vectors, philox4x32 with 10 rounds)", () -> {
                    assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, Philox.block(0, 0, 0, 0, 0, 0));
                    assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, Philox.block(-1, -1, -1, -1, -1, -1));
                    assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                            Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
                }),
                OpCase.of("normal values depend only on seed and index", () -> {
                    float[] whole = CPU.randn(Shape.of(100), 42, 0).toArray();
                    float[] tail = CPU.randn(Shape.of(60), 42, 40).toArray();
                    for (int i = 0; i < 60; i++) assertEquals(whole[40 + i], tail[i]);
                }),
                OpCase.of("normal moments are standard (200,000 values)", () -> {
                    float[] v = CPU.randn(Shape.of(200_000), 3, 0).toArray();
                    double s = 0, s2 = 0;
                    for (float x : v) { s += x; s2 += x * x; }
                    double mean = s / v.length, var = s2 / v.length - mean * mean;
                    assertEquals(0, mean, 0.01);
                    assertEquals(1, var, 0.01);
                }));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("reference")
    void cpuMatchesTheReference(OpCase c) throws Throwable { c.run(); }

    static Stream<GradCase> backward() {
        return Stream.of(GradCase.of("dropout p=0.3", t -> Ops.dropout(t[0], 0.3f, 11, 5), dims(4, 8)));
    }

    /** Dropout draws one mask for the forward and its backward. */
    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(List.of(CudaCase.of("Philox randn/randnRows/rand/dropout", EXACT, be -> out(
                be.randn(Shape.of(3, 1001), 42, 7), be.randnRows(Shape.of(3, 2, 5, 5), 42, new long[] {0, 1_000_000, 5}),
                be.rand(Shape.of(999), 123456789L, 1L << 40), be.dropoutMask(Shape.of(4, 256), 0.1f, 9, 3)))));
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
