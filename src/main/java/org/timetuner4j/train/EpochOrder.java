package org.timetuner4j.train;

import org.timetuner4j.data.Shuffle;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which images a training step takes: step s is batch (s mod E) of epoch s / E, E = ⌊n / batch⌋
 * (a short last batch is dropped), and each epoch is a permutation that depends only on (seed,
 * epoch), so a resumed run sees the same data as one that never stopped.
 */
final class EpochOrder {
    private EpochOrder() {}

    static int stepsPerEpoch(int n, int batch) {
        return Math.max(1, n / batch);
    }

    static int[] batchIndices(int n, int batch, long seed, long step) {
        int perEpoch = stepsPerEpoch(n, batch);
        long epoch = step / perEpoch;
        int within = (int) (step % perEpoch);
        int[] perm = Shuffle.permutation(n, new SplittableRandom(Seeds.mix(seed, 1, epoch)));
        int[] idx = new int[batch];
        for (int k = 0; k < batch; k++) idx[k] = perm[(within * batch + k) % n];
        return idx;
    }
}
