package org.timetuner4j.ops;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Broadcast;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.CpuFastPaths;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;
import org.timetuner4j.testing.CudaCase;
import org.timetuner4j.testing.GradCase;
import org.timetuner4j.testing.OpCase;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.timetuner4j.testing.CudaCase.EXACT;
import static org.timetuner4j.testing.CudaCase.out;
import static org.timetuner4j.testing.CudaCase.rnd;
import static org.timetuner4j.testing.GradCase.dims;

/**
 * Element-wise ops with numpy broadcasting (add, sub, mul, axpby, affine, silu, reshape, the
 * gradient's sumToShape, the autograd-only time function), every check in one place: the CPU
 * backend against a per-element loop over broadcast indices, its per-plane fast path (h +
 * temb[:, :, None, None] and its gradient) against the element formula, the autograd ops'
 * backward against central finite differences, and CUDA against the CPU backend
 * ({@code @Tag("gpu")}, skipped without a GPU). The .cu kernels also run on the CPU under the
 * C++ emulator: kernels/emu/emu_test.cpp (backend/cuda/KernelEmulatorTest).
 */
class ElementwiseOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    /** out[i] = op(a[broadcast i], b[broadcast i]) over the numpy-broadcast shape of a and b (rank ≤ 4), in double. */
    static float[] broadcastLoop(float[] a, int[] sa, float[] b, int[] sb, DoubleBinaryOperator op) {
        int[] pa = pad4(sa), pb = pad4(sb), po = new int[4];
        for (int d = 0; d < 4; d++) po[d] = Math.max(pa[d], pb[d]);
        float[] out = new float[po[0] * po[1] * po[2] * po[3]];
        int i = 0;
        for (int n = 0; n < po[0]; n++)
            for (int c = 0; c < po[1]; c++)
                for (int y = 0; y < po[2]; y++)
                    for (int x = 0; x < po[3]; x++, i++)
                        out[i] = (float) op.applyAsDouble(a[at(pa, n, c, y, x)], b[at(pb, n, c, y, x)]);
        return out;
    }

    private static int[] pad4(int[] s) {
        int[] p = {1, 1, 1, 1};
        System.arraycopy(s, 0, p, 4 - s.length, s.length);
        return p;
    }

    private static int at(int[] s, int n, int c, int y, int x) {
        return ((n % s[0] * s[1] + c % s[1]) * s[2] + y % s[2]) * s[3] + x % s[3];
    }

    static Stream<OpCase> forward() {
        List<OpCase> l = new ArrayList<>();
        int[][][] pairs = {{{2, 3, 4, 5}, {2, 3, 4, 5}}, {{2, 3, 4, 5}, {2, 3, 1, 1}}, {{3, 2, 2, 2}, {1, 2, 1, 2}}, {{2, 3}, {3}},
                {{2, 3, 2, 2}, {}}, {{4, 3}, {4, 1}}, {{6, 1}, {1, 7}}, {{3, 1, 5}, {2, 3, 4, 5}}};
        for (int[][] p : pairs) {
            String shapes = Shape.of(p[0]) + " with " + Shape.of(p[1]);
            l.add(OpCase.of("add/sub/mul " + shapes + " vs broadcast loop", () -> {
                Random r = new Random(shapes.hashCode());
                float[] a = Check.randomArray(r, Shape.of(p[0]).numel(), 1), b = Check.randomArray(r, Shape.of(p[1]).numel(), 1);
                Tensor ta = CPU.fromHost(a, Shape.of(p[0])), tb = CPU.fromHost(b, Shape.of(p[1]));
                Check.maxRelative("add " + shapes, CPU.add(ta, tb).toArray(), broadcastLoop(a, p[0], b, p[1], Double::sum), 0);
                Check.maxRelative("sub " + shapes, CPU.sub(ta, tb).toArray(), broadcastLoop(a, p[0], b, p[1], (u, v) -> u - v), 0);
                Check.maxRelative("mul " + shapes, CPU.mul(ta, tb).toArray(), broadcastLoop(a, p[0], b, p[1], (u, v) -> u * v), 0);
            }));
        }
        l.add(OpCase.of("axpby/affine/silu [4,1000] vs per-element formula", () -> {
            Random r = new Random(17);
            float[] x = Check.randomArray(r, 4000, 3), y = Check.randomArray(r, 4000, 3);
            float[] axpby = new float[x.length], affine = new float[x.length], silu = new float[x.length], dsilu = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                double s = 1 / (1 + Math.exp(-x[i]));
                axpby[i] = (float) (0.3 * x[i] - 1.7 * y[i]);
                affine[i] = (float) (2.5 * x[i] - 0.25);
                silu[i] = (float) (x[i] * s);
                dsilu[i] = (float) (y[i] * s * (1 + x[i] * (1 - s)));
            }
            Tensor tx = CPU.fromHost(x, Shape.of(4, 1000)), ty = CPU.fromHost(y, Shape.of(4, 1000));
            Check.maxRelative("axpby", CPU.axpby(0.3f, tx, -1.7f, ty).toArray(), axpby, 1e-6);
            Check.maxRelative("affine", CPU.affine(tx, 2.5f, -0.25f).toArray(), affine, 1e-6);
            Check.maxRelative("silu", CPU.silu(tx).toArray(), silu, 1e-6);
            Check.maxRelative("silu backward", CPU.siluBackward(tx, ty).toArray(), dsilu, 1e-6);
        }));
        // the per-plane fast path: x + b, b + x and the gradient's sum over the broadcast positions
        for (Shape small : new Shape[] {Shape.of(3, 5, 1, 1), Shape.of(1, 5, 1, 1), Shape.of(5, 1, 1), Shape.of(1)})
            l.add(OpCase.of("per-plane add and sumToShape " + small, () -> perPlaneCase(small)));
        return l.stream();
    }

    @ParameterizedTest(name = "{0}") @MethodSource("forward")
    void cpuMatchesTheElementFormula(OpCase c) throws Throwable { c.run(); }

    @Test void perPlaneIsChosenOnlyForPerChannelBroadcasts() {
        Shape full = Shape.of(3, 5, 7, 6);
        assertFalse(CpuFastPaths.perPlane(Shape.of(3, 5, 7, 1), full));
        assertFalse(CpuFastPaths.perPlane(Shape.of(3, 5, 1, 1), Shape.of(3, 5, 1, 1)));
    }

    private static void perPlaneCase(Shape small) {
        Random r = new Random(5);
        Shape full = Shape.of(3, 5, 7, 6);
        float[] x = Check.randomArray(r, full.numel(), 1);
        assertTrue(CpuFastPaths.perPlane(small, full), small.toString());
        float[] b = Check.randomArray(r, small.numel(), 1);
        int[] st = Broadcast.strides4(small, full);
        float[] sum = new float[full.numel()];
        double[] reduced = new double[small.numel()];
        for (int i = 0; i < sum.length; i++) {
            int n = i / (5 * 42), c = i / 42 % 5;
            sum[i] = x[i] + b[n * st[0] + c * st[1]];
            reduced[n * st[0] + c * st[1]] += x[i];
        }
        Tensor tx = CPU.fromHost(x, full), tb = CPU.fromHost(b, small);
        Check.maxRelative("x + b" + small, CPU.add(tx, tb).toArray(), sum, 0);
        Check.maxRelative("b" + small + " + x", CPU.add(tb, tx).toArray(), sum, 0);
        float[] ref = new float[reduced.length];
        for (int i = 0; i < ref.length; i++) ref[i] = (float) reduced[i];
        Check.maxRelative("sumToShape to " + small, CPU.sumToShape(tx, small).toArray(), ref, 1e-6);
    }

    static Stream<GradCase> backward() {
        return Stream.of(
                GradCase.of("add [2,3,4,5]+[2,3,1,1]", t -> Ops.add(t[0], t[1]), dims(2, 3, 4, 5), dims(2, 3, 1, 1)),
                GradCase.of("add [3,2,2,2]+[1,2,1,2]", t -> Ops.add(t[0], t[1]), dims(3, 2, 2, 2), dims(1, 2, 1, 2)),
                GradCase.of("sub [2,3]-[3]", t -> Ops.sub(t[0], t[1]), dims(2, 3), dims(3)),
                GradCase.of("mul [2,3,2,2]*[] (scalar)", t -> Ops.mul(t[0], t[1]), dims(2, 3, 2, 2), dims()),
                GradCase.of("mul [4,3]*[4,1]", t -> Ops.mul(t[0], t[1]), dims(4, 3), dims(4, 1)),
                GradCase.of("affine", t -> Ops.affine(t[0], -1.7f, 0.3f), dims(3, 4)),
                GradCase.of("axpby", t -> Ops.axpby(0.6f, t[0], -2.5f, t[1]), dims(5, 2), dims(5, 2)),
                GradCase.of("reshape", t -> Ops.mul(Ops.reshape(t[0], Shape.of(2, 6)), Ops.reshape(t[0], Shape.of(2, 6))), dims(3, 4)),
                GradCase.of("silu", t -> Ops.silu(t[0]), dims(2, 3, 4, 4)),
                GradCase.of("time function sin(3t)", x -> Ops.timeFunction(x[0], u -> Math.sin(3 * u), u -> 3 * Math.cos(3 * u)), dims(3))
                        .at(new float[] {0.15f, 0.5f, 0.93f}).eps(1e-3));
    }

    @ParameterizedTest(name = "{0}") @MethodSource("backward")
    void backwardMatchesFiniteDifferences(GradCase c) { c.check(CPU); }

    static Stream<Arguments> cuda() {
        return CudaCase.onBothPaths(List.of(
                CudaCase.of("zeros/fromHost/copy/reshape", 0, be -> {
                    Tensor x = rnd(be, 1, 3, 5);
                    return out(be.zeros(Shape.of(7)), be.copy(x), be.reshape(x, Shape.of(15)));
                }),
                CudaCase.of("add/sub/mul same shape", 0, be -> {
                    Tensor a = rnd(be, 1, 2, 3, 4, 5), b = rnd(be, 2, 2, 3, 4, 5);
                    return out(be.add(a, b), be.sub(a, b), be.mul(a, b));
                }),
                CudaCase.of("add/sub/mul broadcast", 0, be -> {
                    Tensor a = rnd(be, 1, 2, 3, 4, 5), b = rnd(be, 2, 3, 1, 5), s = rnd(be, 3, 1), col = rnd(be, 4, 2, 1, 1, 1);
                    return out(be.add(a, b), be.sub(b, a), be.mul(a, s), be.add(col, a), be.mul(rnd(be, 5, 6, 1), rnd(be, 6, 1, 7)));
                }),
                CudaCase.of("axpby/affine/addInPlace", EXACT, be -> {
                    Tensor x = rnd(be, 1, 1000), y = rnd(be, 2, 1000);
                    Tensor acc = be.copy(x);
                    be.addInPlace(acc, y);
                    return out(be.axpby(0.3f, x, -1.7f, y), be.affine(x, 2.5f, -0.25f), acc);
                }),
                CudaCase.of("sumToShape", EXACT, be -> {
                    Tensor g = rnd(be, 1, 8, 16, 9, 9);
                    return out(be.sumToShape(g, Shape.of(16, 1, 1)), be.sumToShape(g, Shape.of(1, 16, 9, 9)),
                            be.sumToShape(g, Shape.of(8, 1, 1, 1)), be.sumToShape(g, Shape.of(9)), be.sumToShape(g, Shape.scalar()),
                            be.sumToShape(g, Shape.of(8, 16, 9, 9)));
                }),
                CudaCase.of("silu fwd/bwd", EXACT, be -> {
                    Tensor x = rnd(be, 1, 4, 1000), g = rnd(be, 2, 4, 1000);
                    return out(be.silu(x), be.siluBackward(x, g));
                })));
    }

    @Tag("gpu") @ParameterizedTest(name = "{0} (cuBLAS {1})") @MethodSource("cuda")
    void cudaMatchesCpu(CudaCase c, boolean libraries) { c.check(libraries); }
}
