package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * F(2×2, 3×3) (Lavin and Gray, 2016): 16 multiplies per channel pair for 4 outputs.
 * <pre>
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1]
 * </pre>
 * The transforms only add and subtract.
 */
final class WinogradF2 implements WinogradTile {
    static final WinogradF2 INSTANCE = new WinogradF2();
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private WinogradF2() {}

    @Override public int outputSize() { return 2; }

    @Override public float[][] filterMatrix() {
        return new float[][] {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
    }

    /** Four column-transformed rows (read up to a vector past the fourth), or the output's four rows. */
    @Override public int scratchSize(int wq, int tq) { return 4 * wq + 4 * tq; }

    @Override
    public void transformInput(float[] xp, int base, int wp, int wq, int rows, int tw, float[] tmp, float[] v, int vOff, int vStride) {
        int half = wp / 2;
        for (int r = 0; r < rows; r++) {
            int d0 = base + 2 * r * wp, d1 = d0 + wp, d2 = d1 + wp, d3 = d2 + wp;
            // Bᵀ d down the columns, for the whole padded width at once
            for (int x = 0; x < wp; x += L) {
                FloatVector a0 = FloatVector.fromArray(S, xp, d0 + x), a1 = FloatVector.fromArray(S, xp, d1 + x);
                FloatVector a2 = FloatVector.fromArray(S, xp, d2 + x), a3 = FloatVector.fromArray(S, xp, d3 + x);
                a0.sub(a2).intoArray(tmp, x);
                a1.add(a2).intoArray(tmp, wq + x);
                a2.sub(a1).intoArray(tmp, 2 * wq + x);
                a1.sub(a3).intoArray(tmp, 3 * wq + x);
            }
            // … B across each tile's four columns: evens[t], odds[t], evens[t+1], odds[t+1]
            for (int i = 0; i < 4; i++) {
                int ev = i * wq, od = ev + half, out = 4 * i * vStride + vOff + r * tw;
                for (int tx = 0; tx < tw; tx += L) {
                    FloatVector e0 = FloatVector.fromArray(S, tmp, ev + tx), e1 = FloatVector.fromArray(S, tmp, od + tx);
                    FloatVector e2 = FloatVector.fromArray(S, tmp, ev + tx + 1), e3 = FloatVector.fromArray(S, tmp, od + tx + 1);
                    e0.sub(e2).intoArray(v, out + tx);
                    e1.add(e2).intoArray(v, out + vStride + tx);
                    e2.sub(e1).intoArray(v, out + 2 * vStride + tx);
                    e1.sub(e3).intoArray(v, out + 3 * vStride + tx);
                }
            }
        }
    }

    @Override
    public void transformOutput(float[] m, int mOff, int mStride, int images, int rows, int tw, float bias, float[] y,
                                float[] out, int plane, int planeStride, int oy0, int ho, int wo) {
        int t = images * rows * tw, yq = WinogradTile.roundUp(t, L) + L;
        FloatVector b = FloatVector.broadcast(S, bias);
        for (int j = 0; j < t; j += L) {
            int at = mOff + j;
            FloatVector m0 = FloatVector.fromArray(S, m, at), m1 = FloatVector.fromArray(S, m, at + mStride);
            FloatVector m2 = FloatVector.fromArray(S, m, at + 2 * mStride), m3 = FloatVector.fromArray(S, m, at + 3 * mStride);
            FloatVector m4 = FloatVector.fromArray(S, m, at + 4 * mStride), m5 = FloatVector.fromArray(S, m, at + 5 * mStride);
            FloatVector m6 = FloatVector.fromArray(S, m, at + 6 * mStride), m7 = FloatVector.fromArray(S, m, at + 7 * mStride);
            FloatVector m8 = FloatVector.fromArray(S, m, at + 8 * mStride), m9 = FloatVector.fromArray(S, m, at + 9 * mStride);
            FloatVector m10 = FloatVector.fromArray(S, m, at + 10 * mStride), m11 = FloatVector.fromArray(S, m, at + 11 * mStride);
            FloatVector m12 = FloatVector.fromArray(S, m, at + 12 * mStride), m13 = FloatVector.fromArray(S, m, at + 13 * mStride);
            FloatVector m14 = FloatVector.fromArray(S, m, at + 14 * mStride), m15 = FloatVector.fromArray(S, m, at + 15 * mStride);
            FloatVector s00 = m0.add(m4).add(m8), s01 = m1.add(m5).add(m9), s02 = m2.add(m6).add(m10), s03 = m3.add(m7).add(m11);
            FloatVector s10 = m4.sub(m8).sub(m12), s11 = m5.sub(m9).sub(m13), s12 = m6.sub(m10).sub(m14), s13 = m7.sub(m11).sub(m15);
            s00.add(s01).add(s02).add(b).intoArray(y, j);
            s01.sub(s02).sub(s03).add(b).intoArray(y, yq + j);
            s10.add(s11).add(s12).add(b).intoArray(y, 2 * yq + j);
            s11.sub(s12).sub(s13).add(b).intoArray(y, 3 * yq + j);
        }
        for (int i = 0; i < images; i++) for (int r = 0; r < rows; r++) {
            int oy = oy0 + 2 * r;
            boolean second = oy + 1 < ho;
            for (int tx = 0; tx < tw; tx++) {
                int k = (i * rows + r) * tw + tx, ox = 2 * tx, at = plane + i * planeStride + oy * wo + ox;
                boolean right = ox + 1 < wo;
                out[at] = y[k];
                if (right) out[at + 1] = y[yq + k];
                if (second) {
                    out[at + wo] = y[2 * yq + k];
                    if (right) out[at + wo + 1] = y[3 * yq + k];
                }
            }
        }
    }
}
