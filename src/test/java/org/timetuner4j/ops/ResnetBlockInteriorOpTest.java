package org.timetuner4j.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;

import java.util.Random;

/**
 * A residual block at inference, skip + conv2(silu(groupNorm2(conv1(silu(groupNorm1(x))) +
 * shift))), as the CPU backend runs it in one op (fused where the channels fill whole vectors,
 * composed otherwise) against the composition of the separate ops, with and without the skip.
 */
class ResnetBlockInteriorOpTest {
    private static final CpuBackend CPU = CpuBackend.INSTANCE;

    @ParameterizedTest(name = "n {0}: {1} -> {2} -> {3} channels, {4} groups, {5}x{6}, conv1 bias {7}, skip {8}")
    @CsvSource({
            "2, 32, 32, 32, 32, 28, 28, 0, true",     // digits' top level: one channel per group
            "2, 32, 32, 32, 32, 28, 28, 0, false",
            "3, 128, 96, 96, 32, 7, 7, 0, true",      // three channels per group in the middle, four in x (x from NCHW)
            "1, 16, 64, 48, 8, 13, 9, 50, true",      // non-square, a far-from-zero mean for the statistics
            "1, 16, 64, 48, 8, 13, 9, 50, false",
            "2, 64, 24, 24, 8, 14, 14, 0, true",      // 24 channels: fused with 8-lane vectors, composed with 16
            "2, 8, 16, 16, 4, 5, 6, 0, true",         // 8 input channels: x through the NCHW group norm with 16 lanes
            "2, 96, 32, 32, 32, 6, 6, 0, true",       // x's groups of three straddle 16-lane blocks: x through the NCHW group norm
            "1, 32, 32, 32, 1, 9, 9, 30, true"})      // one group of 32 channels: wider than a 16-lane block
    void oneOpMatchesTheComposition(int n, int ci, int c, int co, int groups, int h, int w, float offset, boolean withSkip) {
        Random r = new Random(21);
        try (Scope scope = Scope.open()) {
            Tensor x = CPU.affine(tensor(r, 1, n, ci, h, w), 1f, offset), w1 = tensor(r, 0.1, c, ci, 3, 3), w2 = tensor(r, 0.1, co, c, 3, 3);
            Tensor b1 = CPU.affine(tensor(r, 1, c), 1f, offset), b2 = tensor(r, 1, co), shift = tensor(r, 1, n, c);
            Tensor gamma1 = tensor(r, 1, ci), beta1 = tensor(r, 1, ci), gamma2 = tensor(r, 1, c), beta2 = tensor(r, 1, c);
            Tensor skip = withSkip ? tensor(r, 3, n, co, h, w) : null;
            Tensor fused = CPU.resnetBlockInterior(x, gamma1, beta1, w1, b1, shift, gamma2, beta2, groups, 1e-6f, w2, b2, skip);

            Conv2dGeometry same = Conv2dGeometry.of(1, 1);
            Tensor n1 = CPU.groupNormSiluForward(x, gamma1, beta1, groups, 1e-6f)[0];
            Tensor h1 = CPU.add(CPU.conv2dForward(n1, w1, b1, same), CPU.reshape(shift, Shape.of(n, c, 1, 1)));
            Tensor composed = CPU.conv2dForward(CPU.groupNormSiluForward(h1, gamma2, beta2, groups, 1e-6f)[0], w2, b2, same);
            if (withSkip) composed = CPU.add(skip, composed);
            Check.maxRelative("group norm + silu, conv, shift, group norm + silu, conv (+ skip): one op vs composed", fused.toArray(),
                    composed.toArray(), 2e-6);
        }
    }

    private static Tensor tensor(Random r, double scale, int... dims) {
        Shape s = Shape.of(dims);
        return CPU.fromHost(Check.randomArray(r, s.numel(), scale), s);
    }
}
