package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The transformed filters U_ξ = (G g Gᵀ)_ξ of a 3×3 convolution weight, packed as GEMM B
 * operands, kept with the weight ({@link KeptWeights}): for wide layers the transform (α²/9
 * times the weight's size, 4× for F(4×4)) costs as much as the GEMMs of a small image.
 */
final class WinogradFilters {
    private WinogradFilters() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** How a weight is used: which tile, and whether as the input gradient's transposed kernel. */
    private record Use(WinogradTile tile, boolean transposed) {}

    /** U before packing, reused (under {@link #pack}'s lock): fresh memory each time cost more than the transform. */
    private static float[] transformed = new float[0];

    /**
     * U for a convolution with co output and ci input channels as GEMM B operands: for each ξ,
     * NR-wide panels of output channels over all ci rows, u[((ξ·panels + p)·ci + c)·NR + j] =
     * U_ξ[p·NR + j][c], zero past co. With {@code transposed}, w is the weight of the forward
     * convolution whose input gradient this is ([ci][co][3][3]): its kernel transposed in
     * (out, in) and rotated by 180°. Otherwise w is [co][ci][3][3].
     */
    static float[] panels(WinogradTile tile, float[] w, boolean transposed, int co, int ci) {
        return KeptWeights.get(w, new Use(tile, transposed), () -> pack(tile, w, transposed, co, ci), u -> 4L * u.length);
    }

    /** U transformed, then repacked into panels. */
    private static synchronized float[] pack(WinogradTile tile, float[] w, boolean transposed, int co, int ci) {
        float[] u = transform(tile, w, transposed, co, ci);
        int a2 = tile.inputSize() * tile.inputSize(), nr = Gemm.panelWidth(), panels = (co + nr - 1) / nr;
        float[] packed = new float[a2 * panels * ci * nr];
        Parallel.forEach(a2 * panels, job -> {
            int xi = job / panels, p = job % panels, base = job * ci * nr;
            for (int j = 0; j < nr && p * nr + j < co; j++) {
                int src = (xi * co + p * nr + j) * ci;
                for (int c = 0; c < ci; c++) packed[base + c * nr + j] = u[src + c];
            }
        });
        return packed;
    }

    /**
     * U = G g Gᵀ for every (out, in) channel pair, as α² matrices U_ξ[co×ci] one after another.
     * Per output channel the 3×3 filters are first turned into nine rows over the input
     * channels, so both products with G run in whole vectors across input channels.
     */
    private static float[] transform(WinogradTile tile, float[] w, boolean transposed, int co, int ci) {
        float[][] gm = tile.filterMatrix();
        int a = tile.inputSize(), stride = co * ci;
        if (transformed.length < a * a * stride) transformed = new float[a * a * stride];
        float[] u = transformed;
        Parallel.forEach(co, o -> {
            float[] taps = new float[9 * ci], gg = new float[3 * a * ci];
            for (int c = 0; c < ci; c++)
                for (int k = 0; k < 9; k++)
                    taps[k * ci + c] = transposed ? w[(c * co + o) * 9 + 8 - k] : w[(o * ci + c) * 9 + k];
            for (int i = 0; i < a; i++)  // G g: α×3 rows over c
                for (int col = 0; col < 3; col++)
                    combine(taps, col * ci, 3 * ci, gm[i], gg, (3 * i + col) * ci, ci);
            for (int i = 0; i < a; i++)  // (G g) Gᵀ: α×α rows over c, straight into U_ξ's row o
                for (int j = 0; j < a; j++)
                    combine(gg, 3 * i * ci, ci, gm[j], u, (a * i + j) * stride + o * ci, ci);
        });
        return u;
    }

    /** dst[to + c] = g₀·src[from + c] + g₁·src[from + step + c] + g₂·src[from + 2·step + c] for c < n. */
    private static void combine(float[] src, int from, int step, float[] g, float[] dst, int to, int n) {
        float g0 = g[0], g1 = g[1], g2 = g[2];
        int c = 0;
        for (int whole = S.loopBound(n); c < whole; c += L) {
            FloatVector s0 = FloatVector.fromArray(S, src, from + c), s1 = FloatVector.fromArray(S, src, from + step + c);
            FloatVector s2 = FloatVector.fromArray(S, src, from + 2 * step + c);
            s0.mul(g0).add(s1.mul(g1)).add(s2.mul(g2)).intoArray(dst, to + c);
        }
        for (; c < n; c++) dst[to + c] = g0 * src[from + c] + g1 * src[from + step + c] + g2 * src[from + 2 * step + c];
    }
}
