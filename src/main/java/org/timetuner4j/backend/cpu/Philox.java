package org.timetuner4j.backend.cpu;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"), the
 * counter-based generator shared by every backend: value i of a stream depends only on
 * (seed, offset + i), so the same seed gives the same noise on CPU and GPU and for any batching.
 * Normal values use Box–Muller on the first two words of the block for counter ⌊i/2⌋ (cos for
 * even i, sin for odd i), in double precision.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private static final double TWO_PI = 2 * Math.PI;
    private static final double INV_2_24 = 1.0 / (1 << 24);

    private Philox() {}

    /** The four output words for a 64-bit counter and a 64-bit key. */
    public static int[] block(long counter, long key) {
        return block((int) counter, (int) (counter >>> 32), 0, 0, (int) key, (int) (key >>> 32));
    }

    /** The general 4-word-counter, 2-word-key block (words as in Random123). */
    public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /** Uniform in [0, 1) with 24 random bits, from one word. */
    public static float uniform(int word) {
        return (float) ((word >>> 8) * INV_2_24);
    }

    public static float normal(long seed, long index) {
        int[] b = block(index >>> 1, seed);
        double u1 = ((b[0] >>> 8) + 1) * INV_2_24;  // (0, 1]: log is finite
        double u2 = (b[1] >>> 8) * INV_2_24;
        double r = Math.sqrt(-2.0 * Math.log(u1));
        double a = TWO_PI * u2;
        return (float) (r * ((index & 1) == 0 ? Math.cos(a) : Math.sin(a)));
    }

    static void fillNormal(float[] out, long seed, long offset) {
        Parallel.forRange(out.length, 4096, (from, to) -> {
            for (int i = from; i < to; i++) out[i] = normal(seed, offset + i);
        });
    }

    static void fillUniform(float[] out, long seed, long offset) {
        Parallel.forRange(out.length, 4096, (from, to) -> {
            for (int i = from; i < to; i++) out[i] = uniform(block(offset + i, seed)[0]);
        });
    }
}
