package org.timetuner4j.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.CpuFastPaths;
import org.timetuner4j.backend.cpu.Gemm;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;
import org.timetuner4j.testing.CudaCase;
import org.timetuner4j.testing.GradCase;
import org.timetuner4j.testing.OpCase;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.timetuner4j.testing.CudaCase.FP32;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * conv2d (forward, input/weight/bias gradients), every check in one place:
 * <ul>
 *   <li>forward and both gradients of the CPU backend against the defining sums ({@link ConvolutionReference});</li>
 *   <li>the autograd op's backward against central finite differences;</li>
 *   <li>the fast paths: Winograd F(2×2)/F(4×4) against the defining sum and its dispatch rules,
 *       the pooled padding buffer, the weight gradient at several thread counts;</li>
 *   <li>CUDA against the CPU backend ({@code @Tag("gpu")}, skipped without a GPU).</li>
 * </ul>
 * Elsewhere: the .cu kernels run on the CPU under the C++ emulator (kernels/emu/emu_test.cpp,
 * driven by backend/cuda/KernelEmulatorTest); cuDNN's convolutions: backend/cuda/CudnnConvolutionsTest.
 */
class Conv2dOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;
    private final int defaultThreads = Parallel.threads();

    @AfterEach void restoreThreads() { Parallel.setThreads(defaultThreads); }

    /** A conv problem: batch, in channels, height, width, out channels, square kernel size, geometry. */
    record Conv(int n, int ci, int h, int w, int co, int k, Conv2dGeometry g) {
        int ho() { return g.outHeight(h, k); }
        int wo() { return g.outWidth(w, k); }
        @Override public String toString() { return Arrays.toString(new int[] {n, ci, h, w, co, k}) + " " + g; }
    }

    private static List<Conv> cross(int[][] shapes, Conv2dGeometry... geoms) {
        List<Conv> l = new ArrayList<>();
        for (int[] s : shapes) for (Conv2dGeometry g : geoms) l.add(new Conv(s[0], s[1], s[2], s[3], s[4], s[5], g));
        return l;
    }

    private static final Conv2dGeometry S1P1 = Conv2dGeometry.of(1, 1), S1P0 = Conv2dGeometry.of(1, 0), S2P1 = Conv2dGeometry.of(2, 1),
            DOWN = new Conv2dGeometry(2, 0, 1, 0, 1), ASYM = new Conv2dGeometry(1, 0, 2, 1, 0);

    // ---- forward and gradients of the CPU backend against the defining sums ----

    static Stream<OpCase> forward() {
        return cross(new int[][] {{2, 5, 9, 7, 6, 3}, {3, 4, 17, 17, 8, 3}, {1, 3, 6, 6, 2, 1}, {2, 40, 20, 20, 33, 3},
                        {2, 1, 28, 28, 32, 3}, {2, 32, 28, 28, 1, 3}, {1, 3, 5, 37, 9, 5},
                        // 1×1: runs of pixels over several tasks and panels, a ragged last panel; K in two blocks
                        {2, 9, 28, 28, 13, 1}, {1, 300, 5, 7, 6, 1}}, S1P1, S1P0, DOWN, S2P1, ASYM)
                .stream().map(c -> OpCase.of("conv " + c, () -> {
                    Random r = new Random(c.toString().hashCode());
                    float[] x = Check.randomArray(r, c.n * c.ci * c.h * c.w, 1), wt = Check.randomArray(r, c.co * c.ci * c.k * c.k, 1),
                            b = Check.randomArray(r, c.co, 1);
                    Tensor y = CPU.conv2dForward(CPU.fromHost(x, Shape.of(c.n, c.ci, c.h, c.w)), CPU.fromHost(wt, Shape.of(c.co, c.ci, c.k, c.k)),
                            CPU.fromHost(b, Shape.of(c.co)), c.g);
                    Check.maxRelative("conv " + c, y.toArray(), ConvolutionReference.forward(x, wt, b, c.n, c.ci, c.h, c.w, c.co, c.k, c.g), 1e-5);
                }));
    }

    static Stream<OpCase> inputGradient() {
        return cross(new int[][] {{2, 5, 9, 7, 6, 3}, {1, 3, 6, 6, 4, 1}, {2, 33, 10, 10, 20, 3}, {2, 32, 28, 28, 1, 3}},
                S1P1, ASYM, S2P1, DOWN, S1P0)
                .stream().map(c -> OpCase.of("conv grad input " + c, () -> {
                    Random r = new Random(c.toString().hashCode());
                    float[] gout = Check.randomArray(r, c.n * c.co * c.ho() * c.wo(), 1), wt = Check.randomArray(r, c.co * c.ci * c.k * c.k, 1);
                    float[] got = CPU.conv2dBackwardInput(CPU.fromHost(gout, Shape.of(c.n, c.co, c.ho(), c.wo())),
                            CPU.fromHost(wt, Shape.of(c.co, c.ci, c.k, c.k)), c.g, Shape.of(c.n, c.ci, c.h, c.w)).toArray();
                    Check.maxRelative("conv grad input " + c, got,
                            ConvolutionReference.inputGradient(gout, wt, c.n, c.ci, c.h, c.w, c.co, c.k, c.g), 1e-5);
                }));
    }

    /** The weight gradient's blocked, parallel path (CpuConvWeightGradient) at 1, 2 and 3 threads. */
    static Stream<OpCase> weightGradient() {
        List<Conv> cs = cross(new int[][] {{2, 5, 9, 7, 6, 3}, {1, 3, 6, 6, 4, 1}, {3, 33, 10, 10, 20, 3}, {2, 4, 3, 5, 37, 3}},
                S1P1, ASYM, S2P1, DOWN, S1P0);
        return Stream.of(1, 2, 3).flatMap(threads -> cs.stream().map(c -> OpCase.of("conv grad weight " + c + " threads " + threads, () -> {
            Parallel.setThreads(threads);
            Random r = new Random(c.toString().hashCode());
            float[] x = Check.randomArray(r, c.n * c.ci * c.h * c.w, 1), gout = Check.randomArray(r, c.n * c.co * c.ho() * c.wo(), 1);
            float[] got = CPU.conv2dBackwardWeight(CPU.fromHost(x, Shape.of(c.n, c.ci, c.h, c.w)),
                    CPU.fromHost(gout, Shape.of(c.n, c.co, c.ho(), c.wo())), c.g, Shape.of(c.co, c.ci, c.k, c.k)).toArray();
            Check.maxRelative("conv grad weight " + c + " threads " + threads, got,
                    ConvolutionReference.weightGradient(x, gout, c.n, c.ci, c.h, c.w, c.co, c.k, c.g), 1e-5);
        })));
    }

    @ParameterizedTest(name = "{0}") @MethodSource({"forward", "inputGradient", "weightGradient"})
    void cpuMatchesTheDefiningSum(OpCase c) throws Throwable { c.run(); }

    // ---- autograd backward against finite differences ----

    static Stream<GradCase> backward() {
        return Stream.of(
                GradCase.of("conv2d 3x3 s1 p1", t -> Ops.conv2d(t[0], t[1], t[2], S1P1), dims(2, 3, 5, 6), dims(4, 3, 3, 3), dims(4)),
                GradCase.of("conv2d 3x3 s2 pad(0,1,0,1)", t -> Ops.conv2d(t[0], t[1], t[2], DOWN), dims(2, 3, 6, 6), dims(3, 3, 3, 3), dims(3)),
                GradCase.of("conv2d 1x1", t -> Ops.conv2d(t[0], t[1], t[2], S1P0), dims(2, 5, 3, 3), dims(4, 5, 1, 1), dims(4)));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    // ---- CPU fast paths ----

    /**
     * The padded input copy comes from the array pool: a recycled array full of NaN must not
     * leak into the result (every padding value and the tail slack are written).
     */
    @Test void convolutionIgnoresWhatARecycledPaddingBufferHeld() {
        Random r = new Random(13);
        int n = 2, ci = 8, h = 21, w = 19, co = 5;
        for (Conv2dGeometry g : new Conv2dGeometry[] {S1P1, new Conv2dGeometry(1, 2, 0, 1, 2), DOWN}) {
            Tensor x = CPU.fromHost(Check.randomArray(r, n * ci * h * w, 1), Shape.of(n, ci, h, w));
            Tensor wt = CPU.fromHost(Check.randomArray(r, co * ci * 9, 1), Shape.of(co, ci, 3, 3));
            float[] clean = CPU.conv2dForward(x, wt, null, g).toArray();
            int hp = h + g.padTop() + g.padBottom(), wp = w + g.padLeft() + g.padRight();
            float[] poison = new float[n * ci * hp * wp + wp + 2 * Gemm.panelWidth()];
            Arrays.fill(poison, Float.NaN);
            CPU.fromHost(poison, Shape.of(poison.length)).close();  // its array goes back to the pool
            Check.maxRelative("conv after a NaN-filled buffer was recycled, " + g, CPU.conv2dForward(x, wt, null, g).toArray(), clean, 0);
        }
    }

    /**
     * The input gradient's array comes from the pool without zeroing where the gradient is a
     * forward convolution (every value written) and zeroed where it is added into (strided, 1×1):
     * a recycled array full of NaN of exactly its size must change neither.
     */
    @Test void inputGradientIgnoresWhatARecycledArrayHeld() {
        Random r = new Random(14);
        int n = 2, ci = 16, h = 17, w = 15, co = 16;  // 8160 values: large enough for the pool
        for (Object[] c : new Object[][] {{3, S1P1}, {3, DOWN}, {1, S1P0}, {3, S1P0}}) {
            int k = (Integer) c[0];
            Conv2dGeometry g = (Conv2dGeometry) c[1];
            int ho = g.outHeight(h, k), wo = g.outWidth(w, k);
            Tensor wt = CPU.fromHost(Check.randomArray(r, co * ci * k * k, 1), Shape.of(co, ci, k, k));
            Tensor gout = CPU.fromHost(Check.randomArray(r, n * co * ho * wo, 1), Shape.of(n, co, ho, wo));
            Shape xs = Shape.of(n, ci, h, w);
            float[] poison = new float[xs.numel()];
            Arrays.fill(poison, Float.NaN);
            CPU.fromHost(poison, xs).close();  // its array goes back to the pool, next in line for this size
            Check.maxRelative("input gradient after a NaN-filled array was recycled, k " + k + ", " + g,
                    CPU.conv2dBackwardInput(gout, wt, g, xs).toArray(),
                    ConvolutionReference.inputGradient(gout.toArray(), wt.toArray(), n, ci, h, w, co, k, g), 1e-5);
        }
    }

    /** Relative to the largest output: F(4×4)'s larger transform coefficients amplify rounding more. */
    private static double winogradTolerance(int tile) { return tile == 2 ? 2e-6 : 1e-5; }

    /**
     * Winograd against the defining sum on shapes that reach every tiling branch: odd output
     * sizes (half-used edge tiles), one-sided and wide padding, several small images per task
     * (with a short last group), one image split into blocks of tile rows (with a short last
     * block), channel counts that fill no panel, a 1×1 image, and more input channels than one
     * K block of the GEMM; at 1 and 2 threads, with each tile.
     */
    static Stream<OpCase> winograd() {
        List<Conv> cs = List.of(
                new Conv(9, 8, 5, 5, 8, 3, S1P1), new Conv(8, 16, 7, 7, 12, 3, S1P1), new Conv(2, 9, 7, 9, 10, 3, S1P0),
                new Conv(3, 11, 6, 5, 9, 3, new Conv2dGeometry(1, 1, 0, 2, 1)), new Conv(2, 8, 4, 4, 8, 3, Conv2dGeometry.of(1, 2)),
                new Conv(2, 13, 40, 37, 19, 3, S1P1), new Conv(1, 64, 14, 14, 64, 3, S1P1), new Conv(3, 8, 1, 1, 8, 3, S1P1),
                new Conv(2, 8, 2, 3, 9, 3, S1P1), new Conv(1, 300, 6, 6, 20, 3, S1P1));
        return Stream.of(1, 2).flatMap(threads -> cs.stream().flatMap(c -> Arrays.stream(CpuFastPaths.WINOGRAD_TILES).mapToObj(tile -> {
            String name = "F(" + tile + ") " + c + ", " + threads + " threads";
            return OpCase.of(name, () -> {
                Parallel.setThreads(threads);
                Random r = new Random(name.hashCode());
                float[] x = Check.randomArray(r, c.n * c.ci * c.h * c.w, 1), wt = Check.randomArray(r, c.co * c.ci * 9, 1), b = Check.randomArray(r, c.co, 1);
                assertTrue(CpuFastPaths.winogradApplies(c.n, c.ci, c.h, c.w, c.co, 3, c.g));
                float[] got = new float[c.n * c.co * c.ho() * c.wo()];
                CpuFastPaths.winograd(tile, x, wt, false, b, c.n, c.ci, c.h, c.w, c.co, c.g, got);
                Check.maxRelative(name, got, ConvolutionReference.forward(x, wt, b, c.n, c.ci, c.h, c.w, c.co, 3, c.g), winogradTolerance(tile));
            });
        })));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("winograd")
    void winogradMatchesTheDefiningSum(OpCase c) throws Throwable { c.run(); }

    /** Random input and weights of a square 'same' 3×3 layer. */
    private record Layer(float[] x, float[] w, int n, int ci, int size, int co) {
        static Layer random(Random r, int n, int ci, int size, int co) {
            return new Layer(Check.randomArray(r, n * ci * size * size, 1), Check.randomArray(r, co * ci * 9, 1), n, ci, size, co);
        }

        int outputSize() { return n * co * size * size; }

        void winograd(int tile, float[] w, float[] out) { CpuFastPaths.winograd(tile, x, w, false, null, n, ci, size, size, co, S1P1, out); }
    }

    @Test void winogradIsDeterministicAcrossThreadCounts() {
        Layer l = Layer.random(new Random(22), 6, 24, 15, 16);
        for (int tile : CpuFastPaths.WINOGRAD_TILES) {
            float[][] out = new float[2][l.outputSize()];
            for (int threads = 1; threads <= 2; threads++) {
                Parallel.setThreads(threads);
                l.winograd(tile, l.w, out[threads - 1]);
            }
            assertArrayEquals(out[0], out[1], "F(" + tile + ")");
        }
    }

    /**
     * The per-thread scratch (padded strips, V, M, transform rows, the filter transform's rows)
     * is reused across calls: NaN left there by a larger convolution of a NaN input and NaN
     * weights must not reach a later one's result. The later call gets a copy of the weights, so
     * that its filters are transformed again, not taken from those kept for the first call.
     */
    @Test void winogradIgnoresWhatAPreviousCallLeftInTheScratch() {
        Random r = new Random(23);
        Layer l = Layer.random(r, 2, 16, 15, 8), big = Layer.random(r, 2, 32, 30, 64);
        Arrays.fill(big.x, Float.NaN);
        Arrays.fill(big.w, Float.NaN);
        Parallel.setThreads(1);  // one scratch, so the second call surely reuses what the first left
        for (int tile : CpuFastPaths.WINOGRAD_TILES) {
            float[] clean = new float[l.outputSize()], again = new float[clean.length];
            l.winograd(tile, l.w, clean);
            big.winograd(tile, big.w, new float[big.outputSize()]);
            l.winograd(tile, l.w.clone(), again);
            assertArrayEquals(clean, again, "F(" + tile + ")");
            for (float v : again) assertTrue(Float.isFinite(v), "F(" + tile + ")");
        }
    }

    /**
     * Kept transformed filters follow the only ways a CPU tensor's array takes new values: the
     * backend recycles a freed weight's array for a new tensor, or adds into it in place.
     */
    @Test void winogradForgetsTheFiltersOfARecycledWeightArray() {
        Layer l = Layer.random(new Random(24), 2, 32, 12, 32);
        float[] other = Check.randomArray(new Random(124), l.w.length, 1);
        CpuBackend be = CpuBackend.INSTANCE;
        Tensor x = be.fromHost(l.x, Shape.of(2, 32, 12, 12)), w = be.fromHost(l.w, Shape.of(32, 32, 3, 3));
        be.conv2dForward(x, w, null, S1P1).close();
        Object array = w.storage();
        w.close();
        Tensor recycled = be.fromHost(other, Shape.of(32, 32, 3, 3));
        assertTrue(array == recycled.storage(), "the freed weight's array was not recycled (weights under the pool's minimum?): the test proves nothing");
        Check.maxRelative("after recycling", be.conv2dForward(x, recycled, null, S1P1).toArray(),
                ConvolutionReference.forward(l.x, other, null, 2, 32, 12, 12, 32, 3, S1P1), 1e-5);
    }

    @Test void winogradForgetsTheFiltersOfAWeightAddedIntoInPlace() {
        Layer l = Layer.random(new Random(25), 2, 32, 12, 32);
        float[] delta = Check.randomArray(new Random(125), l.w.length, 1), sum = l.w.clone();
        for (int i = 0; i < sum.length; i++) sum[i] += delta[i];
        CpuBackend be = CpuBackend.INSTANCE;
        Tensor x = be.fromHost(l.x, Shape.of(2, 32, 12, 12)), w = be.fromHost(l.w, Shape.of(32, 32, 3, 3));
        be.conv2dForward(x, w, null, S1P1).close();
        be.addInPlace(w, be.fromHost(delta, w.shape()));
        Check.maxRelative("after addInPlace", be.conv2dForward(x, w, null, S1P1).toArray(),
                ConvolutionReference.forward(l.x, sum, null, 2, 32, 12, 12, 32, 3, S1P1), 1e-5);
    }

    /**
     * The other convolutions keep their packed weights (and the input gradient's flipped kernel)
     * too: a 1×1, a stride-2 and a 3-channel 3×3 convolution, forward and input gradient, before
     * and after the weight is added into in place, each against the reference.
     */
    @Test void directConvolutionsForgetTheirPackedWeightsWhenTheWeightChanges() {
        Random r = new Random(26);
        int n = 2, size = 9;
        int[][] layers = {{20, 12, 1}, {12, 20, 3}, {3, 12, 3}};  // ci, co, kernel
        Conv2dGeometry[] geometries = {S1P0, S2P1, S1P1};
        CpuBackend be = CpuBackend.INSTANCE;
        for (int i = 0; i < layers.length; i++) {
            int ci = layers[i][0], co = layers[i][1], k = layers[i][2];
            Conv2dGeometry g = geometries[i];
            String what = ci + "->" + co + " " + k + "x" + k + " " + g;
            float[] x = Check.randomArray(r, n * ci * size * size, 1), w0 = Check.randomArray(r, co * ci * k * k, 1);
            float[] delta = Check.randomArray(r, w0.length, 1), w1 = w0.clone();
            for (int j = 0; j < w1.length; j++) w1[j] += delta[j];
            Tensor xt = be.fromHost(x, Shape.of(n, ci, size, size)), w = be.fromHost(w0, Shape.of(co, ci, k, k));
            Tensor y = be.conv2dForward(xt, w, null, g);
            float[] gout = Check.randomArray(r, y.numel(), 1);
            Tensor gt = be.fromHost(gout, y.shape());
            for (float[] expected : new float[][] {w0, w1}) {
                if (expected == w1) be.addInPlace(w, be.fromHost(delta, w.shape()));
                String when = what + (expected == w1 ? " after addInPlace" : " before");
                Check.maxRelative(when + ": forward", be.conv2dForward(xt, w, null, g).toArray(),
                        ConvolutionReference.forward(x, expected, null, n, ci, size, size, co, k, g), 1e-5);
                Check.maxRelative(when + ": input gradient", be.conv2dBackwardInput(gt, w, g, xt.shape()).toArray(),
                        ConvolutionReference.inputGradient(gout, expected, n, ci, size, size, co, k, g), 1e-5);
            }
        }
    }

    /** The input gradient's kernel, transposed and rotated inside the transform, equals passing it built by hand. */
    @Test void winogradTransposedKernelEqualsTheFlippedWeights() {
        Random r = new Random(25);
        int n = 3, co = 12, ci = 9, h = 10, w = 11;  // the forward conv: ci → co; its transpose: co → ci
        float[] wt = Check.randomArray(r, co * ci * 9, 1), flipped = new float[wt.length];
        for (int o = 0; o < co; o++)
            for (int c = 0; c < ci; c++)
                for (int k = 0; k < 9; k++) flipped[(c * co + o) * 9 + 8 - k] = wt[(o * ci + c) * 9 + k];
        float[] gout = Check.randomArray(r, n * co * h * w, 1);
        for (int tile : CpuFastPaths.WINOGRAD_TILES) {
            float[] viaFlag = new float[n * ci * h * w], viaArray = new float[viaFlag.length];
            CpuFastPaths.winograd(tile, gout, wt, true, null, n, co, h, w, ci, S1P1, viaFlag);
            CpuFastPaths.winograd(tile, gout, flipped, false, null, n, co, h, w, ci, S1P1, viaArray);
            assertArrayEquals(viaArray, viaFlag, "F(" + tile + ")");
        }
    }

    @Test void winogradAppliesToThreeByThreeStrideOneWithEnoughChannels() {
        assertTrue(CpuFastPaths.winogradApplies(1, 8, 6, 6, 8, 3, S1P1));
        assertFalse(CpuFastPaths.winogradApplies(1, 3, 6, 6, 32, 3, S1P1), "an RGB input conv");
        assertFalse(CpuFastPaths.winogradApplies(1, 32, 6, 6, 3, 3, S1P1), "an RGB output conv");
        assertFalse(CpuFastPaths.winogradApplies(1, 32, 6, 6, 32, 3, S2P1), "stride 2");
        assertFalse(CpuFastPaths.winogradApplies(1, 32, 6, 6, 32, 1, S1P0), "1×1");
    }

    // ---- CUDA against the CPU backend ----

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(Stream.of(
                new Conv(2, 3, 16, 16, 32, 3, S1P1),
                new Conv(2, 32, 16, 16, 32, 3, DOWN),  // DDPM downsample
                new Conv(3, 64, 8, 8, 96, 1, S1P0),
                new Conv(1, 5, 9, 7, 6, 3, S2P1),
                new Conv(4, 64, 32, 32, 64, 3, S1P1)).map(cv -> CudaCase.of("conv2d " + cv.k() + "x" + cv.k() + " s" + cv.g().stride() + " "
                + cv.ci() + "->" + cv.co() + " " + cv.h() + "x" + cv.w() + " pad " + cv.g().padTop() + cv.g().padBottom() + cv.g().padLeft()
                + cv.g().padRight(), FP32, be -> {
            Tensor x = rnd(be, 1, cv.n(), cv.ci(), cv.h(), cv.w()), w = rnd(be, 2, cv.co(), cv.ci(), cv.k(), cv.k());
            Tensor b = rnd(be, 3, cv.co());
            Tensor y = be.conv2dForward(x, w, b, cv.g());
            Tensor g = rnd(be, 4, y.shape().dims());
            return out(y, be.conv2dForward(x, w, null, cv.g()), be.conv2dBackwardInput(g, w, cv.g(), x.shape()),
                    be.conv2dBackwardWeight(x, g, cv.g(), w.shape()), be.conv2dBackwardBias(g));
        })).toList());
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
