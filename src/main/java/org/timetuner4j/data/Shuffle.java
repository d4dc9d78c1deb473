package org.timetuner4j.data;

import java.util.Random;
import java.util.random.RandomGenerator;

/** The shuffled order of an epoch: a permutation that depends only on (n, seed). */
public final class Shuffle {
    private Shuffle() {}

    /** A Fisher–Yates permutation of 0…n−1 driven by {@code java.util.Random(seed)}. */
    public static int[] permutation(int n, long seed) {
        return permutation(n, new Random(seed));
    }

    /** A Fisher–Yates permutation of 0…n−1 driven by {@code r}. */
    public static int[] permutation(int n, RandomGenerator r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = p[i]; p[i] = p[j]; p[j] = tmp;
        }
        return p;
    }
}
