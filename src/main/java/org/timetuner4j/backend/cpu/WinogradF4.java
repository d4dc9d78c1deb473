package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * F(4×4, 3×3): 36 multiplies per channel pair for 16 outputs, 4× fewer than the direct method.
 * Built by Cook–Toom from the points 0, 1, −1, ½, −2, ∞ rather than Lavin and Gray's
 * 0, ±1, ±2, ∞: on random layers with 64–512 input channels the float32 result is then 3–4×
 * closer to the exact one (about 4e-6 of the largest output against 1.4e-5).
 * <pre>
 *   Bᵀ = [1 −3/2 −2 3/2 1 0; 0 −1 1/2 5/2 1 0; 0 1 −5/2 1/2 1 0;
 *         0 −2 −1 2 1 0; 0 1/2 −1 −1/2 1 0; 0 1 −3/2 −2 3/2 1]
 *   G  = [1 0 0; 1/3 1/3 1/3; −1/3 1/3 −1/3; −16/15 −8/15 −4/15; 1/15 −2/15 4/15; 0 0 1]
 *   Aᵀ = [1 1 1 1 1 0; 0 1 −1 1/2 −2 0; 0 1 1 1/4 4 0; 0 1 −1 1/8 −8 1]
 * </pre>
 * Every coefficient of Bᵀ and Aᵀ is exact in binary, so only the sums round.
 */
final class WinogradF4 implements WinogradTile {
    static final WinogradF4 INSTANCE = new WinogradF4();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** The bias of the output transform's first (column) passes. */
    private static final float[] NO_BIAS = new float[L];

    private WinogradF4() {}

    @Override public int outputSize() { return 4; }

    @Override public float[][] filterMatrix() {
        return new float[][] {{1, 0, 0}, {1 / 3f, 1 / 3f, 1 / 3f}, {-1 / 3f, 1 / 3f, -1 / 3f},
                {-16 / 15f, -8 / 15f, -4 / 15f}, {1 / 15f, -2 / 15f, 4 / 15f}, {0, 0, 1}};
    }

    @Override
    public void transformInputChannels(float[] xb, int at, int row, float[] tmp, float[] v, int vAt, int vStride) {
        // Passes 0–5: Bᵀ down column j = pass into tmp[i][j]; passes 6–11: B across row i = pass − 6
        // of that into V. One copy of the vector code, in the loop itself: written twice, C2 ran
        // out of its node budget and boxed vectors (30 µs a tile instead of 0.1); in a helper,
        // compiled on its own first, vector calls were left out of line in some runs (see
        // transformOutputChannels). Multiply and add rather than FMA (FMA needs a CPU check around
        // each term).
        for (int pass = 0; pass < 12; pass++) {
            boolean down = pass < 6;
            int j = down ? pass : pass - 6, step = down ? row : L;
            float[] src = down ? xb : tmp, dst = down ? tmp : v;
            int from = down ? at + j * L : 6 * j * L, dstAt = down ? j * L : vAt + 6 * j * vStride, stride = down ? 6 * L : vStride;
            FloatVector d0 = FloatVector.fromArray(S, src, from), d1 = FloatVector.fromArray(S, src, from + step);
            FloatVector d2 = FloatVector.fromArray(S, src, from + 2 * step), d3 = FloatVector.fromArray(S, src, from + 3 * step);
            FloatVector d4 = FloatVector.fromArray(S, src, from + 4 * step), d5 = FloatVector.fromArray(S, src, from + 5 * step);
            FloatVector e = d3.sub(d1), f = d4.sub(d2);
            e.mul(1.5f).add(d0.sub(d2).add(f)).intoArray(dst, dstAt);
            d3.mul(2.5f).add(d2.mul(0.5f).add(d4.sub(d1))).intoArray(dst, dstAt + stride);
            d3.mul(0.5f).add(d2.mul(-2.5f).add(d4.add(d1))).intoArray(dst, dstAt + 2 * stride);
            e.mul(2f).add(f).intoArray(dst, dstAt + 3 * stride);
            e.mul(-0.5f).add(f).intoArray(dst, dstAt + 4 * stride);
            f.mul(1.5f).add(d5.sub(d3).sub(e)).intoArray(dst, dstAt + 5 * stride);
        }
    }

    @Override
    public void transformOutputChannels(float[] m, int mAt, int mStride, float[] bias, int biasAt, float[] tmp, float[] y) {
        // Passes 0–5: Aᵀ down column j = pass into tmp[r][j]; passes 6–9: A across row r = pass − 6
        // of that, plus the bias (zeros in the first passes, so no branch around vector adds).
        // Written in the loop rather than in a helper: compiled on its own first, such a helper's
        // vector stores were left out of line in about one AVX2 run of four (digits forward
        // 100–240 ms instead of 30; none in 20 runs since).
        for (int pass = 0; pass < 10; pass++) {
            boolean down = pass < 6;
            int j = down ? pass : pass - 6;
            float[] src = down ? m : tmp, dst = down ? tmp : y, b = down ? NO_BIAS : bias;
            int at = down ? mAt + j * mStride : 6 * j * L, step = down ? 6 * mStride : L;
            int dstAt = down ? j * L : 4 * j * L, stride = down ? 6 * L : L;
            FloatVector m0 = FloatVector.fromArray(S, src, at), m1 = FloatVector.fromArray(S, src, at + step);
            FloatVector m2 = FloatVector.fromArray(S, src, at + 2 * step), m3 = FloatVector.fromArray(S, src, at + 3 * step);
            FloatVector m4 = FloatVector.fromArray(S, src, at + 4 * step), m5 = FloatVector.fromArray(S, src, at + 5 * step);
            FloatVector vb = FloatVector.fromArray(S, b, down ? 0 : biasAt), p = m1.add(m2), q = m1.sub(m2);
            m0.add(p).add(m3).add(m4).add(vb).intoArray(dst, dstAt);
            m4.mul(-2f).add(m3.mul(0.5f).add(q)).add(vb).intoArray(dst, dstAt + stride);
            m4.mul(4f).add(m3.mul(0.25f).add(p)).add(vb).intoArray(dst, dstAt + 2 * stride);
            m4.mul(-8f).add(m3.mul(0.125f).add(q.add(m5))).add(vb).intoArray(dst, dstAt + 3 * stride);
        }
    }
}
