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

    @Override
    public void transformInputChannels(float[] xb, int at, int row, float[] tmp, float[] v, int vAt, int vStride) {
        for (int j = 0; j < 4; j++) {  // Bᵀ d down each column
            int c = at + j * L;
            FloatVector d0 = FloatVector.fromArray(S, xb, c), d1 = FloatVector.fromArray(S, xb, c + row);
            FloatVector d2 = FloatVector.fromArray(S, xb, c + 2 * row), d3 = FloatVector.fromArray(S, xb, c + 3 * row);
            d0.sub(d2).intoArray(tmp, j * L);
            d1.add(d2).intoArray(tmp, (4 + j) * L);
            d2.sub(d1).intoArray(tmp, (8 + j) * L);
            d1.sub(d3).intoArray(tmp, (12 + j) * L);
        }
        for (int i = 0; i < 4; i++) {  // … then B across each row of that
            int r = 4 * i * L, out = vAt + 4 * i * vStride;
            FloatVector e0 = FloatVector.fromArray(S, tmp, r), e1 = FloatVector.fromArray(S, tmp, r + L);
            FloatVector e2 = FloatVector.fromArray(S, tmp, r + 2 * L), e3 = FloatVector.fromArray(S, tmp, r + 3 * L);
            e0.sub(e2).intoArray(v, out);
            e1.add(e2).intoArray(v, out + vStride);
            e2.sub(e1).intoArray(v, out + 2 * vStride);
            e1.sub(e3).intoArray(v, out + 3 * vStride);
        }
    }

    @Override
    public void transformOutputChannels(float[] m, int mAt, int mStride, float[] bias, int biasAt, float[] tmp, float[] y) {
        FloatVector b = FloatVector.fromArray(S, bias, biasAt);
        for (int j = 0; j < 4; j++) {  // Aᵀ M down each column
            int c = mAt + j * mStride;
            FloatVector m0 = FloatVector.fromArray(S, m, c), m1 = FloatVector.fromArray(S, m, c + 4 * mStride);
            FloatVector m2 = FloatVector.fromArray(S, m, c + 8 * mStride), m3 = FloatVector.fromArray(S, m, c + 12 * mStride);
            m0.add(m1).add(m2).intoArray(tmp, j * L);
            m1.sub(m2).sub(m3).intoArray(tmp, (4 + j) * L);
        }
        for (int r = 0; r < 2; r++) {  // … then A across each row of that, plus the bias
            int at = 4 * r * L;
            FloatVector s0 = FloatVector.fromArray(S, tmp, at), s1 = FloatVector.fromArray(S, tmp, at + L);
            FloatVector s2 = FloatVector.fromArray(S, tmp, at + 2 * L), s3 = FloatVector.fromArray(S, tmp, at + 3 * L);
            s0.add(s1).add(s2).add(b).intoArray(y, 2 * r * L);
            s1.sub(s2).sub(s3).add(b).intoArray(y, (2 * r + 1) * L);
        }
    }
}
