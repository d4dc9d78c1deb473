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
    /** The output transform's first pass keeps its 4×6 vectors here, ahead of the output rows. */
    private static final int STAGE = 24 * L;

    private WinogradF4() {}

    @Override public int outputSize() { return 4; }

    @Override public float[][] filterMatrix() {
        return new float[][] {{1, 0, 0}, {1 / 3f, 1 / 3f, 1 / 3f}, {-1 / 3f, 1 / 3f, -1 / 3f},
                {-16 / 15f, -8 / 15f, -4 / 15f}, {1 / 15f, -2 / 15f, 4 / 15f}, {0, 0, 1}};
    }

    /** Six column-transformed rows (read up to a vector past the sixth), or the output's staging and sixteen rows. */
    @Override public int scratchSize(int wq, int tq) { return Math.max(7 * wq, STAGE + 16 * tq); }

    @Override
    public void transformInput(float[] xp, int base, int wp, int wq, int rows, int tw, float[] tmp, float[] v, int vOff, int vStride) {
        int q = wp / 4, across = WinogradTile.roundUp(wp, L) / L, tiles = WinogradTile.roundUp(tw, L) / L;
        for (int r = 0; r < rows; r++) {
            // Pass 0: Bᵀ d down the columns, for the whole padded width at once. Passes 1–6: B
            // across the six columns of each tile in row pass − 1 of that: phases 0–3 of tile t,
            // then phases 0 and 1 of tile t + 1. One call site of inputRows: C2 inlining two
            // runs out of its node budget and leaves vector operations boxed.
            for (int pass = 0; pass < 7; pass++) {
                boolean down = pass == 0;
                float[] src = down ? xp : tmp, dst = down ? tmp : v;
                int count = down ? across : tiles, step = down ? wp : q, jump = down ? wp : 1 - 3 * q, stride = down ? wq : vStride;
                int from = down ? base + 4 * r * wp : (pass - 1) * wq, to = down ? 0 : 6 * (pass - 1) * vStride + vOff + r * tw;
                for (int k = 0; k < count; k++) inputRows(src, from + k * L, step, jump, step, dst, to + k * L, stride);
            }
        }
    }

    /**
     * Bᵀ applied to six vectors read from src at {@code at}, then {@code step} apart except that
     * the fifth is {@code jump} after the fourth; the six results written {@code stride} apart from
     * {@code dstAt}. (Vectors stay inside: passed to a method C2 did not inline, they would be boxed.)
     */
    private static void inputRows(float[] src, int at, int step, int jump, int lastStep, float[] dst, int dstAt, int stride) {
        int a3 = at + 3 * step, a4 = a3 + jump;
        FloatVector d0 = FloatVector.fromArray(S, src, at), d1 = FloatVector.fromArray(S, src, at + step);
        FloatVector d2 = FloatVector.fromArray(S, src, at + 2 * step), d3 = FloatVector.fromArray(S, src, a3);
        FloatVector d4 = FloatVector.fromArray(S, src, a4), d5 = FloatVector.fromArray(S, src, a4 + lastStep);
        FloatVector e = d3.sub(d1), f = d4.sub(d2);
        mulAdd(e, 1.5f, d0.sub(d2).add(f)).intoArray(dst, dstAt);
        mulAdd(d3, 2.5f, mulAdd(d2, 0.5f, d4.sub(d1))).intoArray(dst, dstAt + stride);
        mulAdd(d3, 0.5f, mulAdd(d2, -2.5f, d4.add(d1))).intoArray(dst, dstAt + 2 * stride);
        mulAdd(e, 2f, f).intoArray(dst, dstAt + 3 * stride);
        mulAdd(e, -0.5f, f).intoArray(dst, dstAt + 4 * stride);
        mulAdd(f, 1.5f, d5.sub(d3).sub(e)).intoArray(dst, dstAt + 5 * stride);
    }

    /** a·k + c, fused where the CPU has FMA (as the GEMM is): the transforms are mostly such terms. */
    private static FloatVector mulAdd(FloatVector a, float k, FloatVector c) {
        return Gemm.USE_FMA ? a.fma(FloatVector.broadcast(S, k), c) : a.mul(k).add(c);
    }

    @Override
    public void transformOutput(float[] m, int mOff, int mStride, int images, int rows, int tw, float bias, float[] scratch,
                                float[] out, int plane, int planeStride, int oy0, int ho, int wo) {
        int t = images * rows * tw, yq = WinogradTile.roundUp(t, L) + L;
        for (int j = 0; j < t; j += L) {
            // Passes 0–5: Aᵀ M down column c = pass. Passes 6–9: A across row pass − 6 of that, plus
            // the bias. (One call site of outputRows, for C2's node budget as in transformInput.)
            for (int pass = 0; pass < 10; pass++) {
                boolean down = pass < 6;
                if (down) outputRows(m, mOff + pass * mStride + j, 6 * mStride, false, bias, scratch, pass * L, 6 * L);
                else outputRows(scratch, 6 * (pass - 6) * L, L, true, bias, scratch, STAGE + 4 * (pass - 6) * yq + j, yq);
            }
        }
        for (int i = 0; i < images; i++) for (int r = 0; r < rows; r++) {
            for (int yr = 0; yr < 4; yr++) {
                int oy = oy0 + 4 * r + yr;
                if (oy >= ho) break;
                int row = plane + i * planeStride + oy * wo, y = STAGE + 4 * yr * yq + (i * rows + r) * tw;
                for (int tx = 0; tx < tw; tx++) {
                    int ox = 4 * tx, k = y + tx;
                    if (ox + 4 <= wo) {
                        out[row + ox] = scratch[k];
                        out[row + ox + 1] = scratch[k + yq];
                        out[row + ox + 2] = scratch[k + 2 * yq];
                        out[row + ox + 3] = scratch[k + 3 * yq];
                    } else {
                        for (int yc = 0; ox + yc < wo; yc++) out[row + ox + yc] = scratch[k + yc * yq];
                    }
                }
            }
        }
    }

    /** Aᵀ applied to six vectors read {@code step} apart from {@code at} (plus the bias), written {@code stride} apart from {@code dstAt}. */
    private static void outputRows(float[] src, int at, int step, boolean addBias, float bias, float[] dst, int dstAt, int stride) {
        FloatVector m0 = FloatVector.fromArray(S, src, at), m1 = FloatVector.fromArray(S, src, at + step);
        FloatVector m2 = FloatVector.fromArray(S, src, at + 2 * step), m3 = FloatVector.fromArray(S, src, at + 3 * step);
        FloatVector m4 = FloatVector.fromArray(S, src, at + 4 * step), m5 = FloatVector.fromArray(S, src, at + 5 * step);
        FloatVector p = m1.add(m2), q = m1.sub(m2);
        FloatVector y0 = m0.add(p).add(m3).add(m4), y1 = mulAdd(m4, -2f, mulAdd(m3, 0.5f, q));
        FloatVector y2 = mulAdd(m4, 4f, mulAdd(m3, 0.25f, p)), y3 = mulAdd(m4, -8f, mulAdd(m3, 0.125f, q.add(m5)));
        if (addBias) {
            y0 = y0.add(bias);
            y1 = y1.add(bias);
            y2 = y2.add(bias);
            y3 = y3.add(bias);
        }
        y0.intoArray(dst, dstAt);
        y1.intoArray(dst, dstAt + stride);
        y2.intoArray(dst, dstAt + 2 * stride);
        y3.intoArray(dst, dstAt + 3 * stride);
    }
}
