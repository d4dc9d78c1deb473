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

import static org.timetuner4j.testing.CudaCase.FP32;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * Group norm and the fused group norm + SiLU, every check in one place: the CPU backend's
 * forward and backward against the formulas in double, the fused op against the composition of
 * the separate ones, the autograd ops' backward against central finite differences, and CUDA
 * against the CPU backend ({@code @Tag("gpu")}, skipped without a GPU). The .cu kernels also run
 * on the CPU under the C++ emulator: kernels/emu/emu_test.cpp (backend/cuda/KernelEmulatorTest).
 */
class GroupNormOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    static Stream<OpCase> reference() {
        return Stream.of(
                OpCase.of("group norm [2,64,3,3] 32 groups vs double formula", () -> groupNormCase(2, 64, 3, 0f)),
                // groups of 4·33² values, far from zero mean: blocked, shifted sums
                OpCase.of("group norm [2,128,33,33] 32 groups, offset 100, vs double formula", () -> groupNormCase(2, 128, 33, 100f)),
                OpCase.of("fused group norm + silu [2,64,13,13] vs silu(group norm)", GroupNormOpTest::fusedMatchesComposition));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("reference")
    void cpuMatchesTheReference(OpCase c) throws Throwable { c.run(); }

    static Stream<GradCase> backward() {
        return Stream.of(
                GradCase.of("group norm 4 groups", t -> Ops.groupNorm(t[0], t[1], t[2], 4, 1e-6f), dims(2, 8, 3, 3), dims(8), dims(8)),
                GradCase.of("group norm + silu, 4 groups", t -> Ops.groupNormSilu(t[0], t[1], t[2], 4, 1e-6f), dims(2, 8, 3, 3), dims(8), dims(8)));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(List.of(
                CudaCase.of("group norm fwd/bwd", FP32, be -> {
                    Tensor x = be.affine(rnd(be, 1, 4, 64, 16, 16), 3f, 2f), gamma = rnd(be, 2, 64), beta = rnd(be, 3, 64);
                    Tensor[] f = be.groupNormForward(x, gamma, beta, 32, 1e-6f);
                    Tensor g = rnd(be, 4, 4, 64, 16, 16);
                    Tensor[] b = be.groupNormBackward(g, x, gamma, f[1], f[2], 32);
                    return out(f[0], f[1], f[2], b[0], b[1], b[2]);
                }),
                CudaCase.of("group norm + silu fused fwd/bwd", FP32, be -> {
                    Tensor x = be.affine(rnd(be, 1, 2, 96, 9, 9), 2f, -1f), gamma = rnd(be, 2, 96), beta = rnd(be, 3, 96);
                    Tensor[] f = be.groupNormSiluForward(x, gamma, beta, 32, 1e-6f);
                    Tensor g = rnd(be, 4, 2, 96, 9, 9);
                    Tensor[] b = be.groupNormSiluBackward(g, x, gamma, beta, f[1], f[2], 32);
                    return out(f[0], f[1], f[2], b[0], b[1], b[2]);
                })));
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }

    /** The fused op against silu(group norm) composed from the separate ops, values and all three gradients. */
    private static void fusedMatchesComposition() {
        Random r = new Random(11);
        int n = 2, c = 64, side = 13;  // 169 positions: vector loops plus scalar tails
        Shape xs = Shape.of(n, c, side, side);
        Tensor x = CPU.fromHost(Check.randomArray(r, xs.numel(), 2), xs), g = CPU.fromHost(Check.randomArray(r, xs.numel(), 1), xs);
        Tensor gamma = CPU.fromHost(Check.randomArray(r, c, 1), Shape.of(c)), beta = CPU.fromHost(Check.randomArray(r, c, 1), Shape.of(c));
        Tensor[] fused = CPU.groupNormSiluForward(x, gamma, beta, 32, 1e-6f);
        Tensor[] plain = CPU.groupNormForward(x, gamma, beta, 32, 1e-6f);
        Check.maxRelative("fused forward", fused[0].toArray(), CPU.silu(plain[0]).toArray(), 1e-6);
        Tensor[] gf = CPU.groupNormSiluBackward(g, x, gamma, beta, fused[1], fused[2], 32);
        Tensor[] gp = CPU.groupNormBackward(CPU.siluBackward(plain[0], g), x, gamma, plain[1], plain[2], 32);
        String[] names = {"grad x", "grad gamma", "grad beta"};
        for (int i = 0; i < 3; i++) Check.maxRelative("fused " + names[i], gf[i].toArray(), gp[i].toArray(), 1e-5);
    }

    private static void groupNormCase(int n, int c, int side, float offset) {
        Random r = new Random(5);
        int hw = side * side, groups = 32;
        float[] x = Check.randomArray(r, n * c * hw, 2);
        for (int i = 0; i < x.length; i++) x[i] += offset;
        float[] gamma = Check.randomArray(r, c, 1), beta = Check.randomArray(r, c, 1);
        Tensor[] out = CPU.groupNormForward(CPU.fromHost(x, Shape.of(n, c, side, side)), CPU.fromHost(gamma, Shape.of(c)),
                CPU.fromHost(beta, Shape.of(c)), groups, 1e-6f);
        float[] ref = new float[x.length];
        int cpg = c / groups, m = cpg * hw;
        for (int ng = 0; ng < n * groups; ng++) {
            double mu = 0, var = 0;
            for (int i = 0; i < m; i++) mu += x[ng * m + i];
            mu /= m;
            for (int i = 0; i < m; i++) var += (x[ng * m + i] - mu) * (x[ng * m + i] - mu);
            var /= m;
            for (int i = 0; i < m; i++) {
                int ch = (ng % groups) * cpg + i / hw;
                ref[ng * m + i] = (float) ((x[ng * m + i] - mu) / Math.sqrt(var + 1e-6) * gamma[ch] + beta[ch]);
            }
        }
        Check.maxRelative("group norm vs double formula, offset " + offset, out[0].toArray(), ref, 2e-6);

        // backward: gx = r·(gy·γ − mean(gy·γ) − x̂·mean(gy·γ·x̂)), gγ = Σ gy·x̂, gβ = Σ gy, in double
        float[] gy = Check.randomArray(r, x.length, 1);
        Tensor[] grads = CPU.groupNormBackward(CPU.fromHost(gy, Shape.of(n, c, side, side)), CPU.fromHost(x, Shape.of(n, c, side, side)),
                CPU.fromHost(gamma, Shape.of(c)), out[1], out[2], groups);
        float[] rgx = new float[x.length], rgg = new float[c], rgb = new float[c];
        double[] gg = new double[c], gb = new double[c];
        for (int ng = 0; ng < n * groups; ng++) {
            double mu = 0, var = 0;
            for (int i = 0; i < m; i++) mu += x[ng * m + i];
            mu /= m;
            for (int i = 0; i < m; i++) var += (x[ng * m + i] - mu) * (x[ng * m + i] - mu);
            double rs = 1 / Math.sqrt(var / m + 1e-6), sg = 0, sgx = 0;
            for (int i = 0; i < m; i++) {
                int ch = (ng % groups) * cpg + i / hw;
                double xh = (x[ng * m + i] - mu) * rs;
                sg += gy[ng * m + i] * gamma[ch];
                sgx += gy[ng * m + i] * gamma[ch] * xh;
                gg[ch] += gy[ng * m + i] * xh;
                gb[ch] += gy[ng * m + i];
            }
            for (int i = 0; i < m; i++) {
                int ch = (ng % groups) * cpg + i / hw;
                double xh = (x[ng * m + i] - mu) * rs;
                rgx[ng * m + i] = (float) (rs * (gy[ng * m + i] * gamma[ch] - sg / m - xh * sgx / m));
            }
        }
        for (int ch = 0; ch < c; ch++) { rgg[ch] = (float) gg[ch]; rgb[ch] = (float) gb[ch]; }
        Check.maxRelative("group norm grad x vs double formula, offset " + offset, grads[0].toArray(), rgx, 1e-5);
        Check.maxRelative("group norm grad gamma vs double formula, offset " + offset, grads[1].toArray(), rgg, 1e-5);
        Check.maxRelative("group norm grad beta vs double formula, offset " + offset, grads[2].toArray(), rgb, 1e-5);
    }
}
