package org.timetuner4j.autograd;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.testing.Check;
import org.timetuner4j.testing.GradCheck;

import java.util.Random;

/** Every differentiable op: tape gradient vs central finite differences. */
class OpsGradientTest {
    private final Backend be = CpuBackend.INSTANCE;
    private final GradCheck gc = new GradCheck(be);
    private final Random rnd = new Random(7);

    private float[] rand(int... shape) {
        return Check.randomArray(rnd, Shape.of(shape).numel(), 1.0);
    }

    private static int[][] shapes(int[]... s) { return s; }

    private static boolean[] all(int n) {
        boolean[] b = new boolean[n];
        java.util.Arrays.fill(b, true);
        return b;
    }

    @Test void addWithBroadcastOverHW() {
        gc.check("add [2,3,4,5]+[2,3,1,1]", t -> Ops.add(t[0], t[1]),
                new float[][] {rand(2, 3, 4, 5), rand(2, 3, 1, 1)}, shapes(new int[] {2, 3, 4, 5}, new int[] {2, 3, 1, 1}), all(2));
    }

    @Test void addWithBroadcastOverN() {
        gc.check("add [3,2,2,2]+[1,2,1,2]", t -> Ops.add(t[0], t[1]),
                new float[][] {rand(3, 2, 2, 2), rand(1, 2, 1, 2)}, shapes(new int[] {3, 2, 2, 2}, new int[] {1, 2, 1, 2}), all(2));
    }

    @Test void subAndMulWithScalarBroadcast() {
        gc.check("sub [2,3]-[3]", t -> Ops.sub(t[0], t[1]),
                new float[][] {rand(2, 3), rand(3)}, shapes(new int[] {2, 3}, new int[] {3}), all(2));
        gc.check("mul [2,3,2,2]*[] (scalar)", t -> Ops.mul(t[0], t[1]),
                new float[][] {rand(2, 3, 2, 2), rand()}, shapes(new int[] {2, 3, 2, 2}, new int[] {}), all(2));
        gc.check("mul [4,3]*[4,1]", t -> Ops.mul(t[0], t[1]),
                new float[][] {rand(4, 3), rand(4, 1)}, shapes(new int[] {4, 3}, new int[] {4, 1}), all(2));
    }

    @Test void affineAxpbyReshape() {
        gc.check("affine", t -> Ops.affine(t[0], -1.7f, 0.3f), new float[][] {rand(3, 4)}, shapes(new int[] {3, 4}), all(1));
        gc.check("axpby", t -> Ops.axpby(0.6f, t[0], -2.5f, t[1]),
                new float[][] {rand(5, 2), rand(5, 2)}, shapes(new int[] {5, 2}, new int[] {5, 2}), all(2));
        gc.check("reshape", t -> Ops.mul(Ops.reshape(t[0], Shape.of(2, 6)), Ops.reshape(t[0], Shape.of(2, 6))),
                new float[][] {rand(3, 4)}, shapes(new int[] {3, 4}), all(1));
    }

    @Test void silu() {
        gc.check("silu", t -> Ops.silu(t[0]), new float[][] {rand(2, 3, 4, 4)}, shapes(new int[] {2, 3, 4, 4}), all(1));
    }

    @Test void dropoutUsesOneMaskForwardAndBackward() {
        gc.check("dropout p=0.3", t -> Ops.dropout(t[0], 0.3f, 11, 5), new float[][] {rand(4, 8)}, shapes(new int[] {4, 8}), all(1));
    }

    @Test void linear() {
        gc.check("linear", t -> Ops.linear(t[0], t[1], t[2]),
                new float[][] {rand(3, 5), rand(4, 5), rand(4)}, shapes(new int[] {3, 5}, new int[] {4, 5}, new int[] {4}), all(3));
    }

    @Test void matmulAllTransposes() {
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true}) {
                int[] sa = ta ? new int[] {4, 3} : new int[] {3, 4};
                int[] sb = tb ? new int[] {5, 4} : new int[] {4, 5};
                gc.check("matmul ta=" + ta + " tb=" + tb, t -> Ops.matmul(t[0], ta, t[1], tb),
                        new float[][] {rand(sa), rand(sb)}, shapes(sa, sb), all(2));
            }
    }

    @Test void conv3x3SamePadding() {
        gc.check("conv2d 3x3 s1 p1", t -> Ops.conv2d(t[0], t[1], t[2], Conv2dGeometry.of(1, 1)),
                new float[][] {rand(2, 3, 5, 6), rand(4, 3, 3, 3), rand(4)},
                shapes(new int[] {2, 3, 5, 6}, new int[] {4, 3, 3, 3}, new int[] {4}), all(3));
    }

    @Test void conv3x3Stride2AsymmetricPadding() {
        gc.check("conv2d 3x3 s2 pad(0,1,0,1)", t -> Ops.conv2d(t[0], t[1], t[2], new Conv2dGeometry(2, 0, 1, 0, 1)),
                new float[][] {rand(2, 3, 6, 6), rand(3, 3, 3, 3), rand(3)},
                shapes(new int[] {2, 3, 6, 6}, new int[] {3, 3, 3, 3}, new int[] {3}), all(3));
    }

    @Test void conv1x1() {
        gc.check("conv2d 1x1", t -> Ops.conv2d(t[0], t[1], t[2], Conv2dGeometry.of(1, 0)),
                new float[][] {rand(2, 5, 3, 3), rand(4, 5, 1, 1), rand(4)},
                shapes(new int[] {2, 5, 3, 3}, new int[] {4, 5, 1, 1}, new int[] {4}), all(3));
    }

    @Test void groupNorm() {
        gc.check("group norm 4 groups", t -> Ops.groupNorm(t[0], t[1], t[2], 4, 1e-6f),
                new float[][] {rand(2, 8, 3, 3), rand(8), rand(8)},
                shapes(new int[] {2, 8, 3, 3}, new int[] {8}, new int[] {8}), all(3));
    }

    @Test void groupNormSilu() {
        gc.check("group norm + silu, 4 groups", t -> Ops.groupNormSilu(t[0], t[1], t[2], 4, 1e-6f),
                new float[][] {rand(2, 8, 3, 3), rand(8), rand(8)},
                shapes(new int[] {2, 8, 3, 3}, new int[] {8}, new int[] {8}), all(3));
    }

    @Test void concatChannelsUpsampleAvgPool() {
        gc.check("concat channels", t -> Ops.concatChannels(t[0], t[1]),
                new float[][] {rand(2, 3, 2, 2), rand(2, 1, 2, 2)}, shapes(new int[] {2, 3, 2, 2}, new int[] {2, 1, 2, 2}), all(2));
        gc.check("upsample nearest x2", t -> Ops.upsampleNearest2x(t[0]), new float[][] {rand(2, 2, 3, 2)}, shapes(new int[] {2, 2, 3, 2}), all(1));
        gc.check("avg pool 2x2", t -> Ops.avgPool2x2(t[0]), new float[][] {rand(2, 2, 4, 6)}, shapes(new int[] {2, 2, 4, 6}), all(1));
    }

    @Test void sliceChannels() {
        int[] shape = {2, 5, 2, 3};
        gc.check("slice channels [1, 3)", t -> Ops.sliceChannels(t[0], 1, 2), new float[][] {rand(shape)}, shapes(shape), all(1));
        gc.check("slice channels [0, 2)", t -> Ops.sliceChannels(t[0], 0, 2), new float[][] {rand(shape)}, shapes(shape), all(1));
        gc.check("slice channels [3, 5)", t -> Ops.sliceChannels(t[0], 3, 2), new float[][] {rand(shape)}, shapes(shape), all(1));
        gc.check("slice channels, all", t -> Ops.sliceChannels(t[0], 0, 5), new float[][] {rand(shape)}, shapes(shape), all(1));
    }

    @Test void embeddingWithRepeatedLabels() {
        // label 2 is picked twice: its row's gradient is the sum of both; row 3 gets none
        gc.check("embedding", t -> Ops.embedding(t[0], new int[] {2, 0, 2, 1}),
                new float[][] {rand(4, 3)}, shapes(new int[] {4, 3}), all(1));
    }

    @Test void timeFunction() {
        float[] t = {0.15f, 0.5f, 0.93f};
        gc.eps(1e-3).check("time function sin(3t)", x -> Ops.timeFunction(x[0], u -> Math.sin(3 * u), u -> 3 * Math.cos(3 * u)),
                new float[][] {t}, shapes(new int[] {3}), all(1));
    }

    @Test void attention() {
        gc.check("attention", t -> Ops.attention(t[0], t[1], t[2], 0.5f),
                new float[][] {rand(2, 4, 3, 3), rand(2, 4, 3, 3), rand(2, 4, 3, 3)},
                shapes(new int[] {2, 4, 3, 3}, new int[] {2, 4, 3, 3}, new int[] {2, 4, 3, 3}), all(3));
    }

    @Test void timestepEmbeddingWithRespectToTime() {
        // small t so that float32 arguments keep enough digits for a finite difference
        float[] t = {0.3f, 1.7f, 4.25f};
        gc.eps(1e-3).check("timestep embedding d/dt", x -> Ops.timestepEmbedding(x[0], 16),
                new float[][] {t}, shapes(new int[] {3}), all(1));
    }

    @Test void reductions() {
        gc.check("sum", t -> Ops.sum(t[0]), new float[][] {rand(3, 4)}, shapes(new int[] {3, 4}), all(1));
        gc.check("sum of squares", t -> Ops.sumOfSquares(t[0]), new float[][] {rand(3, 4)}, shapes(new int[] {3, 4}), all(1));
    }

    @Test void crossEntropy() {
        int[] labels = {2, 0, 4, 4};
        gc.check("cross-entropy [4,5]", t -> Ops.crossEntropy(t[0], labels), new float[][] {rand(4, 5)}, shapes(new int[] {4, 5}), all(1));
    }

    @Test void gradCheckCatchesAWrongBackward() {
        // y = x², recorded with the wrong derivative x (instead of 2x): the check must fail.
        java.util.function.Function<org.timetuner4j.tensor.Tensor[], org.timetuner4j.tensor.Tensor> wrong = t -> {
            org.timetuner4j.tensor.Tensor x = t[0];
            org.timetuner4j.tensor.Tensor y = be.mul(x, x);
            Tape.record(y, g -> new org.timetuner4j.tensor.Tensor[] {be.mul(g, x)}, new org.timetuner4j.tensor.Tensor[] {x});
            return y;
        };
        org.junit.jupiter.api.Assertions.assertThrows(org.opentest4j.AssertionFailedError.class, () ->
                gc.check("deliberately wrong", wrong, new float[][] {rand(6)}, shapes(new int[] {6}), all(1)));
    }
}
