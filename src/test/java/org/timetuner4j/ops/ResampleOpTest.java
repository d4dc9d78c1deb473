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
 * Resampling (nearest 2× upsample, 2×2 average pool; the strided-conv downsample is in
 * {@link Conv2dOpTest}), every check in one place: the CPU backend against the per-pixel
 * definitions, the autograd ops' backward against central finite differences, and CUDA against
 * the CPU backend ({@code @Tag("gpu")}, skipped without a GPU). The .cu kernels also run on the
 * CPU under the C++ emulator: kernels/emu/emu_test.cpp (backend/cuda/KernelEmulatorTest).
 */
class ResampleOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    /** y[p, 2i+a, 2j+b] = x[p, i, j] over planes p. */
    static float[] upsample(float[] x, int planes, int h, int w) {
        float[] y = new float[planes * 4 * h * w];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < 2 * h; i++)
                for (int j = 0; j < 2 * w; j++) y[(p * 2 * h + i) * 2 * w + j] = x[(p * h + i / 2) * w + j / 2];
        return y;
    }

    /** y[p, i, j] = mean of x[p, 2i..2i+1, 2j..2j+1], i < h/2, j < w/2 (an odd last row or column is dropped). */
    static float[] avgPool(float[] x, int planes, int h, int w) {
        int ho = h / 2, wo = w / 2;
        float[] y = new float[planes * ho * wo];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++) {
                    int o = (p * h + 2 * i) * w + 2 * j;
                    y[(p * ho + i) * wo + j] = (float) (((double) x[o] + x[o + 1] + x[o + w] + x[o + w + 1]) / 4);
                }
        return y;
    }

    /** The average pool's gradient: g/4 to each pixel of its window, 0 to a dropped row or column. */
    static float[] avgPoolBackward(float[] g, int planes, int h, int w) {
        int ho = h / 2, wo = w / 2;
        float[] x = new float[planes * h * w];
        for (int p = 0; p < planes; p++)
            for (int i = 0; i < 2 * ho; i++)
                for (int j = 0; j < 2 * wo; j++) x[(p * h + i) * w + j] = (float) (g[(p * ho + i / 2) * wo + j / 2] / 4.0);
        return x;
    }

    static Stream<OpCase> forward() {
        return Stream.of(new int[] {2, 3, 7, 9}, new int[] {1, 4, 8, 8}, new int[] {2, 2, 4, 6}).map(s -> OpCase.of(
                "upsample / avg pool " + Shape.of(s) + " and their gradients vs per-pixel loops", () -> {
                    Random r = new Random(Shape.of(s).toString().hashCode());
                    int planes = s[0] * s[1], h = s[2], w = s[3];
                    float[] x = Check.randomArray(r, planes * h * w, 1), g = Check.randomArray(r, planes * 4 * h * w, 1);
                    Tensor tx = CPU.fromHost(x, Shape.of(s));
                    Check.maxRelative("upsample", CPU.upsampleNearest2x(tx).toArray(), upsample(x, planes, h, w), 0);
                    // the upsample's gradient is the sum over each 2×2 block: 4·avg pool of the gradient
                    float[] sum4 = avgPool(g, planes, 2 * h, 2 * w);
                    for (int i = 0; i < sum4.length; i++) sum4[i] *= 4;
                    Check.maxRelative("upsample backward", CPU.upsampleNearest2xBackward(CPU.fromHost(g, Shape.of(s[0], s[1], 2 * h, 2 * w)))
                            .toArray(), sum4, 1e-6);
                    Check.maxRelative("avg pool", CPU.avgPool2x2(tx).toArray(), avgPool(x, planes, h, w), 1e-6);
                    float[] gp = Check.randomArray(r, planes * (h / 2) * (w / 2), 1);
                    Check.maxRelative("avg pool backward", CPU.avgPool2x2Backward(CPU.fromHost(gp, Shape.of(s[0], s[1], h / 2, w / 2)), tx.shape())
                            .toArray(), avgPoolBackward(gp, planes, h, w), 0);
                }));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("forward")
    void cpuMatchesThePixelLoop(OpCase c) throws Throwable { c.run(); }

    static Stream<GradCase> backward() {
        return Stream.of(
                GradCase.of("upsample nearest x2", t -> Ops.upsampleNearest2x(t[0]), dims(2, 2, 3, 2)),
                GradCase.of("avg pool 2x2", t -> Ops.avgPool2x2(t[0]), dims(2, 2, 4, 6)));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(List.of(CudaCase.of("upsample / avg pool fwd/bwd", EXACT, be -> {
            Tensor x = rnd(be, 1, 2, 3, 7, 9), g = rnd(be, 2, 2, 3, 14, 18), gp = rnd(be, 3, 2, 3, 3, 4);
            return out(be.upsampleNearest2x(x), be.upsampleNearest2xBackward(g), be.avgPool2x2(x),
                    be.avgPool2x2Backward(gp, x.shape()));
        })));
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
