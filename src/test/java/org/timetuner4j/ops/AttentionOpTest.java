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

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.timetuner4j.testing.CudaCase.FP32;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * Single-head softmax attention over the H·W positions of a feature map (q, k, v [N,C,H,W]),
 * every check in one place: the CPU backend's output and probabilities against the defining
 * softmax(scale·qᵀk) sums in double, the autograd op's backward against central finite
 * differences, and CUDA against the CPU backend ({@code @Tag("gpu")}, skipped without a GPU).
 * The .cu kernels also run on the CPU under the C++ emulator: kernels/emu/emu_test.cpp
 * (backend/cuda/KernelEmulatorTest).
 */
class AttentionOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    static Stream<OpCase> forward() {
        // positions: only a partial vector (9, 7), whole vectors (16), both (25, 99)
        return Stream.of(new int[] {2, 4, 3, 3}, new int[] {1, 32, 4, 4}, new int[] {2, 5, 1, 7}, new int[] {2, 6, 5, 5},
                new int[] {1, 4, 9, 11}).map(s -> OpCase.of(
                "attention " + Shape.of(s) + " vs softmax(scale·qᵀk)·v in double", () -> {
                    int n = s[0], c = s[1], p = s[2] * s[3];
                    float scale = (float) (1 / Math.sqrt(c));
                    Random r = new Random(Shape.of(s).toString().hashCode());
                    float[] q = Check.randomArray(r, n * c * p, 1), k = Check.randomArray(r, n * c * p, 1), v = Check.randomArray(r, n * c * p, 1);
                    float[] wantOut = new float[n * c * p], wantProbs = new float[n * p * p];
                    for (int b = 0; b < n; b++)
                        for (int i = 0; i < p; i++) {
                            double[] e = new double[p];
                            double max = Double.NEGATIVE_INFINITY, sum = 0;
                            for (int j = 0; j < p; j++) {
                                double dot = 0;
                                for (int ch = 0; ch < c; ch++) dot += (double) q[(b * c + ch) * p + i] * k[(b * c + ch) * p + j];
                                e[j] = scale * dot;
                                max = Math.max(max, e[j]);
                            }
                            for (int j = 0; j < p; j++) sum += e[j] = Math.exp(e[j] - max);
                            for (int j = 0; j < p; j++) wantProbs[(b * p + i) * p + j] = (float) (e[j] / sum);
                            for (int ch = 0; ch < c; ch++) {
                                double o = 0;
                                for (int j = 0; j < p; j++) o += e[j] / sum * v[(b * c + ch) * p + j];
                                wantOut[(b * c + ch) * p + i] = (float) o;
                            }
                        }
                    Tensor[] f = CPU.attentionForward(CPU.fromHost(q, Shape.of(s)), CPU.fromHost(k, Shape.of(s)), CPU.fromHost(v, Shape.of(s)), scale);
                    Check.maxRelative("attention out", f[0].toArray(), wantOut, 1e-5);
                    Check.maxRelative("attention probabilities", f[1].toArray(), wantProbs, 1e-5);
                }));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("forward")
    void cpuMatchesTheDefiningSums(OpCase c) throws Throwable { c.run(); }

    static Stream<GradCase> backward() {
        return Stream.of(GradCase.of("attention", t -> Ops.attention(t[0], t[1], t[2], 0.5f), dims(2, 4, 3, 3), dims(2, 4, 3, 3), dims(2, 4, 3, 3)));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        List<CudaCase> c = new ArrayList<>();
        for (int hw : new int[] {4, 16})
            c.add(CudaCase.of("attention fwd/bwd " + hw + "x" + hw, FP32, be -> {
                Tensor q = rnd(be, 1, 2, 32, hw, hw), k = rnd(be, 2, 2, 32, hw, hw), v = rnd(be, 3, 2, 32, hw, hw);
                float scale = (float) (1 / Math.sqrt(32));
                Tensor[] f = be.attentionForward(q, k, v, scale);
                Tensor g = rnd(be, 4, 2, 32, hw, hw);
                Tensor[] b = be.attentionBackward(g, q, k, v, f[1], scale);
                return out(f[0], f[1], b[0], b[1], b[2]);
            }));
        return CudaCase.onBothPaths(c);
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
