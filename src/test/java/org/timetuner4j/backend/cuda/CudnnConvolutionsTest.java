package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

/**
 * The convolutions on cuDNN (forced on; cuBLAS off, so only the convolutions change) against the
 * CPU backend at 1e-4: every CUDA conv case of ops/Conv2dOpTest and more (stride 2, 1×1, 5×5, odd sizes,
 * per-axis padding, batches), each checked to have run on cuDNN in all three directions; the
 * DDPM downsample's one-sided padding checked to stay on our kernels; bits identical run to run;
 * and the whole UNet forward/backward. Skips without CUDA, and with the reason when cuDNN is not
 * usable here (e.g. libcudnn*.so.9 not found: set TIMETUNER_CUDA_LIBS).
 */
@Tag("gpu")
class CudnnConvolutionsTest {
    private static final Backend CPU = CpuBackend.INSTANCE;
    private static final double FP32 = 1e-4;
    private static CudaBackend withCudnn;

    record Conv(int n, int ci, int h, int w, int co, int kh, int kw, Conv2dGeometry g) {
        @Override public String toString() {
            return n + "x" + ci + "x" + h + "x" + w + " " + kh + "x" + kw + "->" + co + " s" + g.stride() + " pad "
                    + g.padTop() + g.padBottom() + g.padLeft() + g.padRight();
        }
    }

    static Stream<Conv> symmetric() {
        return Stream.of(
                new Conv(2, 3, 16, 16, 32, 3, 3, Conv2dGeometry.of(1, 1)),    // Conv2dOpTest's
                new Conv(3, 64, 8, 8, 96, 1, 1, Conv2dGeometry.of(1, 0)),
                new Conv(1, 5, 9, 7, 6, 3, 3, Conv2dGeometry.of(2, 1)),
                new Conv(4, 64, 32, 32, 64, 3, 3, Conv2dGeometry.of(1, 1)),
                new Conv(2, 32, 16, 16, 32, 3, 3, Conv2dGeometry.of(2, 1)),    // stride 2, even size
                new Conv(2, 8, 10, 10, 8, 3, 3, Conv2dGeometry.of(2, 1)),      // stride 2 leaving the last input row unread
                new Conv(2, 16, 9, 9, 8, 1, 1, Conv2dGeometry.of(2, 0)),       // 1×1 stride 2, odd size
                new Conv(3, 7, 11, 13, 5, 5, 5, Conv2dGeometry.of(1, 2)),      // 5×5, odd sizes
                new Conv(2, 6, 10, 7, 4, 3, 1, new Conv2dGeometry(1, 1, 1, 0, 0)),  // padding per axis
                new Conv(8, 4, 5, 5, 4, 3, 3, Conv2dGeometry.of(1, 1)));       // batch 8
    }

    static Stream<Conv> oneSided() {
        return Stream.of(
                new Conv(2, 32, 16, 16, 32, 3, 3, new Conv2dGeometry(2, 0, 1, 0, 1)),  // the DDPM downsample
                new Conv(1, 5, 9, 7, 6, 3, 3, new Conv2dGeometry(1, 1, 0, 1, 1)));
    }

    /** A backend whose convolutions run on cuDNN, or a skip saying why not. */
    static synchronized CudaBackend cudnnBackend() {
        Assumptions.assumeTrue(CudaRuntime.available(), () -> "no CUDA here: " + CudaRuntime.reason());
        if (withCudnn == null) withCudnn = new CudaBackend(false, true);
        CudaBackend be = withCudnn;
        Assumptions.assumeTrue(be.cudnnStatus().startsWith("used: "), () -> "cuDNN not usable here: " + be.cudnnStatus());
        System.out.println("cuDNN " + be.cudnnStatus());
        return be;
    }

    private static Tensor rnd(Backend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return be.fromHost(Check.randomArray(new Random(seed), s.numel(), 1.0), s);
    }

    /** {y with bias, y without, grad input, grad weight, grad bias}. */
    private static float[][] convolve(Backend be, Conv cv) {
        try (Scope s = Scope.open()) {
            Tensor x = rnd(be, 1, cv.n(), cv.ci(), cv.h(), cv.w()), w = rnd(be, 2, cv.co(), cv.ci(), cv.kh(), cv.kw());
            Tensor b = rnd(be, 3, cv.co());
            Tensor y = be.conv2dForward(x, w, b, cv.g());
            Tensor g = rnd(be, 4, y.shape().dims());
            Tensor[] outs = {y, be.conv2dForward(x, w, null, cv.g()), be.conv2dBackwardInput(g, w, cv.g(), x.shape()),
                    be.conv2dBackwardWeight(x, g, cv.g(), w.shape()), be.conv2dBackwardBias(g)};
            float[][] r = new float[outs.length][];
            for (int i = 0; i < outs.length; i++) r[i] = outs[i].toArray();
            return r;
        }
    }

    private static final String[] OUTPUTS = {"y", "y (no bias)", "grad input", "grad weight", "grad bias"};

    private static void assertAgrees(Conv cv, float[][] got, float[][] want) {
        for (int i = 0; i < want.length; i++) Check.maxRelative(cv + " " + OUTPUTS[i], got[i], want[i], FP32);
    }

    private static EnumMap<CudnnConvolutions.Direction, Long> runs(CudnnConvolutions c) {
        EnumMap<CudnnConvolutions.Direction, Long> m = new EnumMap<>(CudnnConvolutions.Direction.class);
        for (CudnnConvolutions.Direction d : CudnnConvolutions.Direction.values()) m.put(d, c.runs(d));
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("symmetric")
    void symmetricPaddingRunsOnCudnnAndAgreesWithTheCpuBackend(Conv cv) {
        CudaBackend gpu = cudnnBackend();
        CudnnConvolutions c = gpu.cudnnConvolutions();
        assertNotNull(c);
        assertTrue(CudnnConvProblem.supports(cv.g()));
        EnumMap<CudnnConvolutions.Direction, Long> before = runs(c);
        float[][] got = convolve(gpu, cv), want = convolve(CPU, cv);
        EnumMap<CudnnConvolutions.Direction, Long> after = runs(c);
        String why = "cuDNN declined: " + c.declines();
        assertEquals(before.get(CudnnConvolutions.Direction.FORWARD) + 2, after.get(CudnnConvolutions.Direction.FORWARD), why);
        assertEquals(before.get(CudnnConvolutions.Direction.BACKWARD_DATA) + 1, after.get(CudnnConvolutions.Direction.BACKWARD_DATA), why);
        assertEquals(before.get(CudnnConvolutions.Direction.BACKWARD_FILTER) + 1, after.get(CudnnConvolutions.Direction.BACKWARD_FILTER), why);
        assertAgrees(cv, got, want);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("oneSided")
    void oneSidedPaddingStaysOnOurKernelsAndAgreesWithTheCpuBackend(Conv cv) {
        CudaBackend gpu = cudnnBackend();
        CudnnConvolutions c = gpu.cudnnConvolutions();
        assertTrue(!CudnnConvProblem.supports(cv.g()));
        EnumMap<CudnnConvolutions.Direction, Long> before = runs(c);
        float[][] got = convolve(gpu, cv), want = convolve(CPU, cv);
        assertEquals(before, runs(c), "cuDNN ran a one-sided padding");
        assertAgrees(cv, got, want);
    }

    /** Only deterministic algorithms are chosen, so a second run gives the same bits. */
    @Test void repeatedRunsGiveIdenticalBits() {
        CudaBackend gpu = cudnnBackend();
        for (Conv cv : List.of(new Conv(4, 64, 32, 32, 64, 3, 3, Conv2dGeometry.of(1, 1)), new Conv(2, 32, 16, 16, 32, 3, 3, Conv2dGeometry.of(2, 1)))) {
            float[][] first = convolve(gpu, cv), second = convolve(gpu, cv);
            for (int i = 0; i < first.length; i++) assertArrayEquals(first[i], second[i], cv + " " + OUTPUTS[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"attn", "mono", "nopool"})
    void unetForwardAndBackwardOnCudnnAgreeWithTheCpuBackend(String name) throws Exception {
        CudaBackend gpu = cudnnBackend();
        CudnnConvolutions c = gpu.cudnnConvolutions();
        EnumMap<CudnnConvolutions.Direction, Long> before = runs(c);
        CudaUNetTest.assertAgreesWithTheCpuBackend(gpu, name);
        EnumMap<CudnnConvolutions.Direction, Long> after = runs(c);
        for (CudnnConvolutions.Direction d : CudnnConvolutions.Direction.values())
            assertTrue(after.get(d) > before.get(d), d + " never ran on cuDNN; declined: " + c.declines());
        System.out.println(name + ": cuDNN ran " + after + ", declined " + c.declines());
    }
}
