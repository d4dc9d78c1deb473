package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

/**
 * Every op of the CUDA backend against the CPU backend (the reference), op by op: the same
 * case builds its inputs from the same seeds on both backends and every output is compared at
 * fp32 tolerance (max |diff| / max |ref| <= 1e-4; Philox noise and exact ops at 1e-6). Runs
 * twice on the GPU: on our kernels only, and with cuBLAS for the matrix products and cuDNN for
 * the symmetric-padding convolutions when they load (CudnnConvolutionsTest checks that cuDNN ran).
 * Skips (assumption) where no CUDA driver or device is present.
 */
@Tag("gpu")
class CudaOpsTest {
    private static final Backend CPU = CpuBackend.INSTANCE;
    private static CudaBackend kernelsOnly, withCublas;

    /** One op case: outputs computed on a backend (copied to the host), and a tolerance. */
    record Case(String name, double tol, Function<Backend, float[][]> run) {
        @Override public String toString() { return name; }
    }

    static synchronized CudaBackend cuda(boolean cublas) {
        Assumptions.assumeTrue(CudaRuntime.available(), () -> "no CUDA here: " + CudaRuntime.reason());
        if (cublas) {
            if (withCublas == null) withCublas = new CudaBackend(true);
            return withCublas;
        }
        if (kernelsOnly == null) kernelsOnly = new CudaBackend(false);
        return kernelsOnly;
    }

    private static Tensor rnd(Backend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return be.fromHost(Check.randomArray(new Random(seed), s.numel(), 1.0), s);
    }

    private static float[][] out(Tensor... ts) {
        float[][] r = new float[ts.length][];
        for (int i = 0; i < ts.length; i++) r[i] = ts[i].toArray();
        return r;
    }

    private static final double FP32 = 1e-4, EXACT = 1e-6;

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("zeros/fromHost/copy/reshape", 0, be -> {
            Tensor x = rnd(be, 1, 3, 5);
            return out(be.zeros(Shape.of(7)), be.copy(x), be.reshape(x, Shape.of(15)));
        }));
        c.add(new Case("add/sub/mul same shape", 0, be -> {
            Tensor a = rnd(be, 1, 2, 3, 4, 5), b = rnd(be, 2, 2, 3, 4, 5);
            return out(be.add(a, b), be.sub(a, b), be.mul(a, b));
        }));
        c.add(new Case("add/sub/mul broadcast", 0, be -> {
            Tensor a = rnd(be, 1, 2, 3, 4, 5), b = rnd(be, 2, 3, 1, 5), s = rnd(be, 3, 1), col = rnd(be, 4, 2, 1, 1, 1);
            return out(be.add(a, b), be.sub(b, a), be.mul(a, s), be.add(col, a), be.mul(rnd(be, 5, 6, 1), rnd(be, 6, 1, 7)));
        }));
        c.add(new Case("axpby/affine/addInPlace", EXACT, be -> {
            Tensor x = rnd(be, 1, 1000), y = rnd(be, 2, 1000);
            Tensor acc = be.copy(x);
            be.addInPlace(acc, y);
            return out(be.axpby(0.3f, x, -1.7f, y), be.affine(x, 2.5f, -0.25f), acc);
        }));
        c.add(new Case("sumToShape", EXACT, be -> {
            Tensor g = rnd(be, 1, 8, 16, 9, 9);
            return out(be.sumToShape(g, Shape.of(16, 1, 1)), be.sumToShape(g, Shape.of(1, 16, 9, 9)),
                    be.sumToShape(g, Shape.of(8, 1, 1, 1)), be.sumToShape(g, Shape.of(9)), be.sumToShape(g, Shape.scalar()),
                    be.sumToShape(g, Shape.of(8, 16, 9, 9)));
        }));
        c.add(new Case("silu fwd/bwd", EXACT, be -> {
            Tensor x = rnd(be, 1, 4, 1000), g = rnd(be, 2, 4, 1000);
            return out(be.silu(x), be.siluBackward(x, g));
        }));
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true}) {
                c.add(new Case("matmul ta=" + ta + " tb=" + tb, FP32, be -> {
                    int m = 70, k = 131, n = 45;
                    Tensor a = ta ? rnd(be, 1, k, m) : rnd(be, 1, m, k), b = tb ? rnd(be, 2, n, k) : rnd(be, 2, k, n);
                    return out(be.matmul(a, ta, b, tb));
                }));
            }
        c.add(new Case("linear (+bias, no bias)", FP32, be -> {
            Tensor x = rnd(be, 1, 33, 128), w = rnd(be, 2, 512, 128), b = rnd(be, 3, 512);
            return out(be.linear(x, w, b), be.linear(x, w, null));
        }));
        record Conv(int n, int ci, int h, int w, int co, int k, Conv2dGeometry g) {}
        for (Conv cv : List.of(
                new Conv(2, 3, 16, 16, 32, 3, Conv2dGeometry.of(1, 1)),
                new Conv(2, 32, 16, 16, 32, 3, new Conv2dGeometry(2, 0, 1, 0, 1)),  // DDPM downsample
                new Conv(3, 64, 8, 8, 96, 1, Conv2dGeometry.of(1, 0)),
                new Conv(1, 5, 9, 7, 6, 3, Conv2dGeometry.of(2, 1)),
                new Conv(4, 64, 32, 32, 64, 3, Conv2dGeometry.of(1, 1)))) {
            c.add(new Case("conv2d " + cv.k() + "x" + cv.k() + " s" + cv.g().stride() + " " + cv.ci() + "->" + cv.co() + " "
                    + cv.h() + "x" + cv.w() + " pad " + cv.g().padTop() + cv.g().padBottom() + cv.g().padLeft() + cv.g().padRight(),
                    FP32, be -> {
                Tensor x = rnd(be, 1, cv.n(), cv.ci(), cv.h(), cv.w()), w = rnd(be, 2, cv.co(), cv.ci(), cv.k(), cv.k());
                Tensor b = rnd(be, 3, cv.co());
                Tensor y = be.conv2dForward(x, w, b, cv.g());
                Tensor g = rnd(be, 4, y.shape().dims());
                return out(y, be.conv2dForward(x, w, null, cv.g()), be.conv2dBackwardInput(g, w, cv.g(), x.shape()),
                        be.conv2dBackwardWeight(x, g, cv.g(), w.shape()), be.conv2dBackwardBias(g));
            }));
        }
        c.add(new Case("group norm fwd/bwd", FP32, be -> {
            Tensor x = be.affine(rnd(be, 1, 4, 64, 16, 16), 3f, 2f), gamma = rnd(be, 2, 64), beta = rnd(be, 3, 64);
            Tensor[] f = be.groupNormForward(x, gamma, beta, 32, 1e-6f);
            Tensor g = rnd(be, 4, 4, 64, 16, 16);
            Tensor[] b = be.groupNormBackward(g, x, gamma, f[1], f[2], 32);
            return out(f[0], f[1], f[2], b[0], b[1], b[2]);
        }));
        c.add(new Case("group norm + silu fused fwd/bwd", FP32, be -> {
            Tensor x = be.affine(rnd(be, 1, 2, 96, 9, 9), 2f, -1f), gamma = rnd(be, 2, 96), beta = rnd(be, 3, 96);
            Tensor[] f = be.groupNormSiluForward(x, gamma, beta, 32, 1e-6f);
            Tensor g = rnd(be, 4, 2, 96, 9, 9);
            Tensor[] b = be.groupNormSiluBackward(g, x, gamma, beta, f[1], f[2], 32);
            return out(f[0], f[1], f[2], b[0], b[1], b[2]);
        }));
        c.add(new Case("concat/slice channels", 0, be -> {
            Tensor a = rnd(be, 1, 2, 3, 5, 5), b = rnd(be, 2, 2, 4, 5, 5);
            Tensor cat = be.concatChannels(a, b);
            return out(cat, be.sliceChannels(cat, 2, 4), be.sliceChannels(cat, 0, 0));
        }));
        c.add(new Case("upsample / avg pool fwd/bwd", EXACT, be -> {
            Tensor x = rnd(be, 1, 2, 3, 7, 9), g = rnd(be, 2, 2, 3, 14, 18), gp = rnd(be, 3, 2, 3, 3, 4);
            return out(be.upsampleNearest2x(x), be.upsampleNearest2xBackward(g), be.avgPool2x2(x),
                    be.avgPool2x2Backward(gp, x.shape()));
        }));
        for (int hw : new int[] {4, 16}) {
            c.add(new Case("attention fwd/bwd " + hw + "x" + hw, FP32, be -> {
                Tensor q = rnd(be, 1, 2, 32, hw, hw), k = rnd(be, 2, 2, 32, hw, hw), v = rnd(be, 3, 2, 32, hw, hw);
                float scale = (float) (1 / Math.sqrt(32));
                Tensor[] f = be.attentionForward(q, k, v, scale);
                Tensor g = rnd(be, 4, 2, 32, hw, hw);
                Tensor[] b = be.attentionBackward(g, q, k, v, f[1], scale);
                return out(f[0], f[1], b[0], b[1], b[2]);
            }));
        }
        c.add(new Case("embedding fwd/bwd", EXACT, be -> {
            Tensor w = rnd(be, 1, 10, 33), g = rnd(be, 2, 6, 33);
            int[] idx = {3, 0, 9, 3, 3, 1};
            return out(be.embedding(w, idx), be.embeddingBackward(g, idx, 10));
        }));
        for (int dim : new int[] {128, 33}) {
            c.add(new Case("timestep embedding fwd/bwd dim " + dim, FP32, be -> {
                Tensor t = be.fromHost(new float[] {0f, 1f, 17.25f, 500f, 999f}, Shape.of(5));
                Tensor g = rnd(be, 2, 5, dim);
                return out(be.timestepEmbedding(t, dim), be.timestepEmbeddingBackward(g, t, dim));
            }));
        }
        c.add(new Case("cross-entropy fwd/bwd, rows longer than a block", FP32, be -> {
            Tensor z = be.affine(rnd(be, 1, 5, 300), 4f, 0f), g = be.fromHost(new float[] {0.7f}, Shape.scalar());
            int[] labels = {0, 299, 17, 256, 3};
            Tensor[] f = be.crossEntropyForward(z, labels);
            return out(f[0], f[1], be.crossEntropyBackward(g, z, f[1], labels));
        }));
        c.add(new Case("sum / sumOfSquares", EXACT, be -> {
            Tensor x = be.affine(rnd(be, 1, 3, 100_003), 1f, 0.5f);
            return out(be.sum(x), be.sumOfSquares(x), be.sum(rnd(be, 2, 5)));
        }));
        c.add(new Case("Philox randn/randnRows/rand/dropout", EXACT, be -> out(
                be.randn(Shape.of(3, 1001), 42, 7), be.randnRows(Shape.of(3, 2, 5, 5), 42, new long[] {0, 1_000_000, 5}),
                be.rand(Shape.of(999), 123456789L, 1L << 40), be.dropoutMask(Shape.of(4, 256), 0.1f, 9, 3))));
        return c;
    }

    static Stream<Arguments> casesOnBothPaths() {
        return cases().stream().flatMap(k -> Stream.of(Arguments.of(k, false), Arguments.of(k, true)));
    }

    @ParameterizedTest(name = "{0} (cuBLAS {1})")
    @MethodSource("casesOnBothPaths")
    void agreesWithTheCpuBackend(Case k, boolean cublas) {
        CudaBackend gpu = cuda(cublas);
        float[][] want, got;
        try (Scope s = Scope.open()) { want = k.run().apply(CPU); }
        try (Scope s = Scope.open()) { got = k.run().apply(gpu); }
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++)
            Check.maxRelative(k.name() + " [" + i + "] " + (cublas ? gpu.cublasStatus() : "kernels"), got[i], want[i], k.tol());
    }

    @Test void memoryIsFlatAcrossAThousandSteps() {
        CudaBackend gpu = cuda(false);
        long rawAfterWarmUp = -1;
        try (Scope outer = Scope.open()) {
            Tensor x = rnd(gpu, 1, 8, 64, 16, 16), w = rnd(gpu, 2, 64, 64, 3, 3), gamma = rnd(gpu, 3, 64), beta = rnd(gpu, 4, 64);
            for (int step = 0; step < 1000; step++) {  // x ← 0.9·silu(gn(conv(x))) + 0.1·noise, like a sampler's step
                Tensor next;
                try (Scope s = Scope.open()) {
                    Tensor h = gpu.silu(gpu.groupNormForward(gpu.conv2dForward(x, w, null, Conv2dGeometry.of(1, 1)), gamma, beta, 32, 1e-6f)[0]);
                    Tensor noise = gpu.randn(h.shape(), 7, (long) step * h.numel());
                    gpu.fromHost(new float[] {step}, Shape.of(1));  // a per-step upload, freed with the scope
                    next = s.keep(gpu.axpby(0.9f, h, 0.1f, noise));
                }
                x.close();
                x = next;
                if (step == 10) rawAfterWarmUp = gpu.memoryStats().rawAllocations();
            }
            gpu.synchronize();
        }
        CachingAllocator.Stats st = gpu.memoryStats();
        System.out.println("allocator after 1000 steps: " + st);
        assertEquals(rawAfterWarmUp, st.rawAllocations(), "no device allocation after warm-up");
        assertTrue(st.inUse() < (16L << 20), "live bytes stay bounded: " + st);
    }

    @Test void adamStepMatchesTheFormula() {
        CudaBackend gpu = cuda(false);
        float[] p = {1f, -2f, 0.5f}, g = {0.5f, 0.25f, -1f};
        try (Scope s = Scope.open()) {
            Tensor tp = gpu.fromHost(p, Shape.of(3)), tg = gpu.fromHost(g, Shape.of(3));
            Tensor m = gpu.zeros(Shape.of(3)), v = gpu.zeros(Shape.of(3));
            gpu.adamStep(tp, tg, m, v, 1, 0.1, 0.9, 0.999, 1e-8);
            float[] got = tp.toArray();
            float[] want = new float[3];
            for (int i = 0; i < 3; i++) {
                double mi = 0.1 * g[i], vi = 0.001 * g[i] * g[i];
                want[i] = (float) (p[i] - 0.1 * (mi / 0.1) / (Math.sqrt(vi / 0.001) + 1e-8));
            }
            Check.maxRelative("adam step", got, want, 1e-6);
        }
    }
}
