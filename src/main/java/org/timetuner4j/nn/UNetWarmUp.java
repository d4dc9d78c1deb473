package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs a small random UNet shaped like a given one a few times, so that the JIT has compiled the
 * CPU kernels before the real network's first call. Cold, that first call is slow out of all
 * proportion (the CIFAR-10 UNet at batch 8: about 3.6 s, against 0.3 s once compiled): until C2
 * compiles a method, the Vector API runs its Java fallback, and a real-sized call does a lot of
 * work in that state before the compile thresholds are reached. Small calls reach them with a
 * small fraction of the work. The small UNet has the same levels, blocks, attention and class
 * embedding, 32 base channels and the lowest resolution its levels allow; three calls at batch 1
 * and two at batch 2 and twice the resolution, so the convolutions' per-channel-block and
 * per-tile-group task splits both get compiled. Its weights stay zero (drawing random ones, in
 * cold code, cost more than the calls). Nothing is kept, and results are unaffected.
 */
public final class UNetWarmUp {
    private UNetWarmUp() {}

    private static final int CHANNELS = 32;
    /** (batch, resolution multiple) of each call. */
    private static final int[][] CALLS = {{1, 1}, {1, 1}, {1, 1}, {2, 2}, {2, 2}};

    /** With {@code withGradients}, each call also runs the backward pass to the input (what tuning does). */
    public static void run(UNetConfig config, Backend backend, boolean withGradients) {
        int lowest = 1 << (config.numLevels() - 1);
        for (int[] call : CALLS) {
            UNetConfig small = shapedLike(config, lowest * call[1]);
            try (UNet unet = new UNet(backend, small); Scope scope = Scope.open()) {
                unet.train(false);  // weights left at zero: what the JIT compiles does not depend on the values
                int n = call[0], r = small.resolution();
                Tensor x = backend.zeros(Shape.of(n, small.inChannels(), r, r));
                float[] times = new float[n];
                Arrays.fill(times, 500f);
                Tensor t = backend.fromHost(times, Shape.of(n));
                if (!withGradients) {
                    unet.forward(x, t);
                    continue;
                }
                x.requiresGrad(true);
                try (Tape tape = Tape.record()) {
                    tape.backward(Ops.sumOfSquares(unet.forward(x, t)));
                }
                x.zeroGrad();
            }
        }
    }

    /** The same architecture with 32 base channels at resolution {@code r}, attention at the same levels. */
    static UNetConfig shapedLike(UNetConfig c, int r) {
        List<Integer> attention = new ArrayList<>();
        for (int level = 0; level < c.numLevels(); level++)
            if (c.hasAttention(level)) attention.add(r >> level);
        return new UNetConfig(CHANNELS, c.outCh(), c.chMult(), c.numResBlocks(), attention.stream().mapToInt(Integer::intValue).toArray(),
                0, c.inChannels(), r, c.resampWithConv(), c.numClasses());
    }
}
