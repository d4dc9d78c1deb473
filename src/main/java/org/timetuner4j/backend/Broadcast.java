package org.timetuner4j.backend;

import org.timetuner4j.tensor.Shape;

/**
 * Numpy broadcasting (rank <= 4) as every backend's kernels see it: shapes right-aligned to rank 4, strides
 * 0 along broadcast dimensions, and the dimensions a gradient is summed over.
 */
public final class Broadcast {
    private Broadcast() {}

    public static Shape shape(Shape a, Shape b) {
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.rank() ? 1 : a.dim(i - (rank - a.rank()));
            int db = i < rank - b.rank() ? 1 : b.dim(i - (rank - b.rank()));
            if (da != db && da != 1 && db != 1)
                throw new IllegalArgumentException("shapes " + a + " and " + b + " do not broadcast");
            out[i] = da == 1 ? db : da;
        }
        return Shape.of(out);
    }

    /** {@code s}'s dims right-aligned to rank 4 (leading 1s). */
    public static int[] dims4(Shape s) {
        if (s.rank() > 4) throw new IllegalArgumentException("broadcasting supports rank <= 4, got " + s);
        int[] d = {1, 1, 1, 1};
        for (int i = 0; i < s.rank(); i++) d[4 - s.rank() + i] = s.dim(i);
        return d;
    }

    /** Element strides of {@code s} inside the rank-4 output {@code out}, 0 where broadcast. */
    public static int[] strides4(Shape s, Shape out) {
        int[] d = dims4(s), o = dims4(out), st = new int[4];
        int stride = 1;
        for (int k = 3; k >= 0; k--) {
            st[k] = d[k] == 1 && o[k] != 1 ? 0 : stride;
            stride *= d[k];
        }
        return st;
    }

    /** Bit k set when dimension k (of 4) of {@code g} is summed away to reach {@code target}. */
    public static int reducedMask(Shape g, Shape target) {
        int[] d = dims4(g), t = dims4(target);
        int mask = 0;
        for (int k = 0; k < 4; k++) if (t[k] != d[k]) mask |= 1 << k;
        return mask;
    }

    /** How many values of g each target element sums. */
    public static int reducedCount(Shape g, int mask) {
        int[] d = dims4(g);
        int c = 1;
        for (int k = 0; k < 4; k++) if ((mask & (1 << k)) != 0) c *= d[k];
        return c;
    }
}
