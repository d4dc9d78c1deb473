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

import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * Channel concat and slice ([N,C,H,W] along C), every check in one place: the CPU backend
 * against an index loop, the autograd ops' backward against central finite differences, and
 * CUDA against the CPU backend ({@code @Tag("gpu")}, skipped without a GPU). The .cu kernels
 * also run on the CPU under the C++ emulator: kernels/emu/emu_test.cpp (backend/cuda/KernelEmulatorTest).
 */
class ChannelsOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    static Stream<OpCase> forward() {
        return Stream.of(new int[] {2, 3, 4, 5, 5}, new int[] {1, 1, 6, 3, 2}, new int[] {3, 5, 2, 1, 1}).map(s -> OpCase.of(
                "concat [" + s[0] + "," + s[1] + "|" + s[2] + "," + s[3] + "," + s[4] + "] and slices vs index loop", () -> {
                    int n = s[0], ca = s[1], cb = s[2], hw = s[3] * s[4], c = ca + cb;
                    Random r = new Random(java.util.Arrays.hashCode(s));
                    float[] a = Check.randomArray(r, n * ca * hw, 1), b = Check.randomArray(r, n * cb * hw, 1), want = new float[n * c * hw];
                    for (int i = 0; i < n; i++)
                        for (int ch = 0; ch < c; ch++)
                            for (int p = 0; p < hw; p++)
                                want[(i * c + ch) * hw + p] = ch < ca ? a[(i * ca + ch) * hw + p] : b[(i * cb + ch - ca) * hw + p];
                    Tensor cat = CPU.concatChannels(CPU.fromHost(a, Shape.of(n, ca, s[3], s[4])), CPU.fromHost(b, Shape.of(n, cb, s[3], s[4])));
                    Check.maxRelative("concat", cat.toArray(), want, 0);
                    for (int start = 0; start < c; start++)
                        for (int count = 1; start + count <= c; count++) {
                            float[] slice = new float[n * count * hw];
                            for (int i = 0; i < n; i++)
                                System.arraycopy(want, (i * c + start) * hw, slice, i * count * hw, count * hw);
                            Check.maxRelative("slice [" + start + ", " + (start + count) + ")", CPU.sliceChannels(cat, start, count).toArray(), slice, 0);
                        }
                }));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("forward")
    void cpuMatchesTheIndexLoop(OpCase c) throws Throwable { c.run(); }

    static Stream<GradCase> backward() {
        int[] shape = {2, 5, 2, 3};
        return Stream.of(
                GradCase.of("concat channels", t -> Ops.concatChannels(t[0], t[1]), dims(2, 3, 2, 2), dims(2, 1, 2, 2)),
                GradCase.of("slice channels [1, 3)", t -> Ops.sliceChannels(t[0], 1, 2), shape),
                GradCase.of("slice channels [0, 2)", t -> Ops.sliceChannels(t[0], 0, 2), shape),
                GradCase.of("slice channels [3, 5)", t -> Ops.sliceChannels(t[0], 3, 2), shape),
                GradCase.of("slice channels, all", t -> Ops.sliceChannels(t[0], 0, 5), shape));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(List.of(CudaCase.of("concat/slice channels", 0, be -> {
            Tensor a = rnd(be, 1, 2, 3, 5, 5), b = rnd(be, 2, 2, 4, 5, 5);
            Tensor cat = be.concatChannels(a, b);
            return out(cat, be.sliceChannels(cat, 2, 4), be.sliceChannels(cat, 0, 0));
        })));
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
