package org.timetuner4j.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.timetuner4j.backend.ChannelBlockedOps;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The CPU's ops on channel-blocked activations ([n][c / L][h][w][L]) against the NCHW ops they
 * stand for: the layout itself by its index formula, and every op by unblocking its result and
 * comparing it with the NCHW op on the unblocked inputs.
 */
class ChannelBlockedOpsTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;
    private static final ChannelBlockedOps OPS = CPU.channelBlocked().orElseThrow();
    private static final int L = OPS.lanes();

    @Test
    void blockPutsChannelKOfPixelPAtItsBlockAndLane() {
        Random r = new Random(1);
        try (Scope scope = Scope.open()) {
            int n = 2, c = 3 * L, h = 5, w = 7;
            Tensor x = tensor(r, 1, n, c, h, w);
            float[] xv = x.toArray(), bv = OPS.block(x).toArray();
            assertEquals(Shape.of(n, 3, h, w, L), OPS.block(x).shape());
            for (int i = 0; i < n; i++)
                for (int k = 0; k < c; k++)
                    for (int p = 0; p < h * w; p++)
                        assertEquals(xv[(i * c + k) * h * w + p], bv[((i * (c / L) + k / L) * h * w + p) * L + k % L]);
            assertArrayEquals(xv, OPS.unblock(OPS.block(x)).toArray());
        }
    }

    @ParameterizedTest(name = "n {0}: {1} -> {2} channels, {3}x{4}, {5}x{5} kernel, stride {6}, pads {7} {8} {9} {10}")
    @CsvSource({
            "2, 96, 32, 28, 28, 1, 1, 0, 0, 0, 0",   // digits' shortcuts
            "3, 32, 64, 14, 14, 1, 1, 0, 0, 0, 0",
            "2, 64, 48, 7, 7, 1, 1, 0, 0, 0, 0",     // an odd number of blocks out: a half panel
            "2, 32, 32, 2, 2, 1, 1, 0, 0, 0, 0",     // fewer pixels than a tile
            "2, 32, 32, 28, 28, 3, 2, 0, 1, 0, 1",   // a UNet's downsampling: pad right and bottom, stride 2
            "1, 64, 64, 7, 7, 3, 2, 0, 1, 0, 1",     // odd size
            "2, 16, 32, 9, 11, 3, 1, 1, 1, 1, 1",    // 3x3 same, non-square
            "1, 32, 16, 8, 6, 3, 2, 1, 1, 1, 1"})    // stride 2, padding all round
    void convolutionMatchesNchw(int n, int ci, int co, int h, int w, int k, int stride, int pt, int pb, int pl, int pr) {
        if (ci % L != 0 || co % L != 0) return;
        Random r = new Random(2);
        try (Scope scope = Scope.open()) {
            Conv2dGeometry g = new Conv2dGeometry(stride, pt, pb, pl, pr);
            Tensor x = tensor(r, 1, n, ci, h, w), wt = tensor(r, 0.2, co, ci, k, k), b = tensor(r, 1, co);
            Tensor expected = CPU.conv2dForward(x, wt, b, g);
            Tensor got = OPS.conv2d(OPS.block(x), wt, b, g);
            assertEquals(Shape.of(n, co / L, expected.dim(2), expected.dim(3), L), got.shape());
            Check.maxRelative("blocked conv vs NCHW", OPS.unblock(got).toArray(), expected.toArray(), 2e-6);
            Check.maxRelative("blocked conv without bias vs NCHW", OPS.unblock(OPS.conv2d(OPS.block(x), wt, null, g)).toArray(),
                    CPU.conv2dForward(x, wt, null, g).toArray(), 2e-6);
        }
    }

    @ParameterizedTest(name = "n {0}: {1} -> {2} channels, {3}x{4} before upsampling")
    @CsvSource({"2, 64, 64, 7, 7", "1, 32, 48, 14, 14", "2, 16, 16, 3, 5"})
    void upsampleConvMatchesNchw(int n, int ci, int co, int h, int w) {
        Random r = new Random(3);
        try (Scope scope = Scope.open()) {
            Tensor x = tensor(r, 1, n, ci, h, w), wt = tensor(r, 0.2, co, ci, 3, 3), b = tensor(r, 1, co);
            Tensor expected = CPU.conv2dForward(CPU.upsampleNearest2x(x), wt, b, Conv2dGeometry.of(1, 1));
            Check.maxRelative("blocked upsample + conv vs NCHW", OPS.unblock(OPS.upsampleConv(OPS.block(x), wt, b)).toArray(),
                    expected.toArray(), 2e-6);
        }
    }

    @ParameterizedTest(name = "n {0}: {1} -> {2} channels, {3} groups, {4}x{5}, skip {6}")
    @CsvSource({
            "2, 96, 32, 32, 28, 28, true",   // three channels per group in x, groups straddling blocks
            "2, 64, 64, 32, 7, 7, false",
            "1, 32, 64, 8, 9, 13, true"})    // groups wider than a block
    void resnetBlockMatchesNchw(int n, int ci, int c, int groups, int h, int w, boolean withSkip) {
        Random r = new Random(4);
        try (Scope scope = Scope.open()) {
            Tensor x = CPU.affine(tensor(r, 1, n, ci, h, w), 1f, 5f), w1 = tensor(r, 0.1, c, ci, 3, 3), w2 = tensor(r, 0.1, c, c, 3, 3);
            Tensor b1 = tensor(r, 1, c), b2 = tensor(r, 1, c), shift = tensor(r, 1, n, c);
            Tensor gamma1 = tensor(r, 1, ci), beta1 = tensor(r, 1, ci), gamma2 = tensor(r, 1, c), beta2 = tensor(r, 1, c);
            Tensor skip = withSkip ? tensor(r, 3, n, c, h, w) : null;
            Tensor expected = CPU.resnetBlockInterior(x, gamma1, beta1, w1, b1, shift, gamma2, beta2, groups, 1e-6f, w2, b2, skip);
            Tensor got = OPS.resnetBlockInterior(OPS.block(x), gamma1, beta1, w1, b1, shift, gamma2, beta2, groups, 1e-6f, w2, b2,
                    withSkip ? OPS.block(skip) : null);
            Check.maxRelative("blocked residual block vs NCHW", OPS.unblock(got).toArray(), expected.toArray(), 2e-6);
        }
    }

    @ParameterizedTest(name = "n {0}: {1} channels, {2} groups, {3}x{4}")
    @CsvSource({"2, 64, 32, 7, 7", "3, 32, 8, 5, 3", "1, 48, 16, 2, 2"})  // the last: fewer pixels than a tile
    void attentionBlockMatchesNchw(int n, int c, int groups, int h, int w) {
        Random r = new Random(6);
        try (Scope scope = Scope.open()) {
            Tensor x = CPU.affine(tensor(r, 1, n, c, h, w), 1f, 2f), gamma = tensor(r, 1, c), beta = tensor(r, 1, c);
            Tensor[] wts = new Tensor[4], biases = new Tensor[4];
            for (int j = 0; j < 4; j++) {
                wts[j] = tensor(r, 0.3, c, c, 1, 1);
                biases[j] = tensor(r, 1, c);
            }
            float scale = (float) Math.pow(c, -0.5);
            Conv2dGeometry pointwise = Conv2dGeometry.of(1, 0);
            Tensor normed = CPU.groupNormForward(x, gamma, beta, groups, 1e-6f)[0];
            Tensor attended = CPU.attentionForward(CPU.conv2dForward(normed, wts[0], biases[0], pointwise),
                    CPU.conv2dForward(normed, wts[1], biases[1], pointwise), CPU.conv2dForward(normed, wts[2], biases[2], pointwise), scale)[0];
            Tensor expected = CPU.add(x, CPU.conv2dForward(attended, wts[3], biases[3], pointwise));
            Tensor got = OPS.attentionBlock(OPS.block(x), gamma, beta, groups, 1e-6f, wts[0], biases[0], wts[1], biases[1],
                    wts[2], biases[2], wts[3], biases[3], scale);
            assertEquals(Shape.of(n, c / L, h, w, L), got.shape());
            // the scores reach tens: the softmax magnifies the last-bit differences of the norm's statistics and the sums' order
            Check.maxRelative("blocked attention block vs NCHW", OPS.unblock(got).toArray(), expected.toArray(), 2e-5);
        }
    }

    @Test
    void concatenationJoinsTheBlocks() {
        Random r = new Random(5);
        try (Scope scope = Scope.open()) {
            Tensor a = tensor(r, 1, 2, 2 * L, 3, 4), b = tensor(r, 1, 2, L, 3, 4);
            assertArrayEquals(CPU.concatChannels(a, b).toArray(), OPS.unblock(OPS.concatChannels(OPS.block(a), OPS.block(b))).toArray());
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int before = Parallel.threads();
        try (Scope scope = Scope.open()) {
            Random r = new Random(7);
            int n = 3, c = 2 * L, h = 10, w = 9;
            Tensor x = OPS.block(tensor(r, 1, n, c, h, w)), w1 = tensor(r, 0.1, c, c, 3, 3), w2 = tensor(r, 0.1, c, c, 3, 3);
            Tensor shift = tensor(r, 1, n, c), gamma = tensor(r, 1, c), beta = tensor(r, 1, c), bias = tensor(r, 1, c);
            Tensor[] p = {tensor(r, 0.3, c, c, 1, 1), tensor(r, 0.3, c, c, 1, 1), tensor(r, 0.3, c, c, 1, 1), tensor(r, 0.3, c, c, 1, 1)};
            Supplier<float[][]> run = () -> new float[][] {
                    OPS.conv2d(x, w1, bias, new Conv2dGeometry(2, 0, 1, 0, 1)).toArray(),
                    OPS.conv2d(x, p[0], bias, Conv2dGeometry.of(1, 0)).toArray(),
                    OPS.resnetBlockInterior(x, gamma, beta, w1, bias, shift, gamma, beta, 4, 1e-6f, w2, bias, x).toArray(),
                    OPS.attentionBlock(x, gamma, beta, 4, 1e-6f, p[0], bias, p[1], bias, p[2], bias, p[3], bias, 0.2f).toArray()};
            Parallel.setThreads(1);
            float[][] one = run.get();
            Parallel.setThreads(3);
            float[][] three = run.get();
            for (int i = 0; i < one.length; i++) assertArrayEquals(one[i], three[i], "op " + i + ": 1 thread vs 3");
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void refusesTensorsThatAreNotBlocked() {
        try (Scope scope = Scope.open()) {
            Tensor x = CPU.zeros(Shape.of(1, L, 4, 4));
            assertThrows(IllegalArgumentException.class, () -> OPS.unblock(x));
            assertThrows(IllegalArgumentException.class, () -> OPS.conv2d(x, CPU.zeros(Shape.of(L, L, 1, 1)), null, Conv2dGeometry.of(1, 0)));
            assertThrows(IllegalArgumentException.class, () -> OPS.block(CPU.zeros(Shape.of(1, L + 1, 4, 4))));
        }
    }

    private static Tensor tensor(Random r, double scale, int... dims) {
        Shape s = Shape.of(dims);
        return CPU.fromHost(Check.randomArray(r, s.numel(), scale), s);
    }
}
