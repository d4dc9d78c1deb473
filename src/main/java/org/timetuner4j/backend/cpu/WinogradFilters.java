package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The transformed filters U_ξ = (G g Gᵀ)_ξ of a 3×3 convolution weight, packed as GEMM B
 * operands, kept with the weight ({@link KeptWeights}): for wide layers the transform (α²/9
 * times the weight's size, 4× for F(4×4)) costs as much as the GEMMs of a small image.
 */
final class WinogradFilters {
    private WinogradFilters() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** A worker's rows of taps and of G g, kept: fresh ones per panel were three times the weights' size in garbage. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * U for a convolution with co output and ci input channels as GEMM B operands: for each ξ,
     * NR-wide panels of output channels over all ci rows, u[((ξ·panels + p)·ci + c)·NR + j] =
     * U_ξ[p·NR + j][c], zero past co. With {@code transposed}, w is the weight of the forward
     * convolution whose input gradient this is ([ci][co][3][3]): its kernel transposed in
     * (out, in) and rotated by 180°. Otherwise w is [co][ci][3][3].
     */
    static float[] panels(WinogradTile tile, float[] w, boolean transposed, int co, int ci) {
        return KeptWeights.get(w, KeptWeights.key("winograd", tile, transposed), () -> transform(tile, w, transposed, co, ci), u -> 4L * u.length);
    }

    /**
     * U = G g Gᵀ written straight into its panels. A task takes one panel: its NR filters'
     * taps are laid out as nine [ci][NR] rows, the layout of a panel's rows in one U_ξ, so both
     * products with G run on whole vectors and the last one writes the panel in place.
     * (Transforming per output channel and then repacking moved every value of U once more, one
     * float at a time: as long again as the transform, on the first call's critical path.)
     */
    private static float[] transform(WinogradTile tile, float[] w, boolean transposed, int co, int ci) {
        float[][] gm = tile.filterMatrix();
        int a = tile.inputSize(), nr = Gemm.panelWidth(), panels = (co + nr - 1) / nr, row = ci * nr;
        float[] packed = new float[a * a * panels * row];
        Parallel.forEach(panels, p -> {
            float[][] held = SCRATCH.get();
            if (held[0].length < (9 + 3 * a) * row) held[0] = new float[(9 + 3 * a) * row];
            float[] taps = held[0];  // nine rows of taps, then G g's 3α rows from gg on
            int gg = 9 * row, filters = Math.min(nr, co - p * nr);
            if (filters < nr) Arrays.fill(taps, 0, 9 * row, 0f);  // the GEMM computes (and drops) the columns past co: zeros, not stale values
            for (int j = 0; j < filters; j++) {
                int o = p * nr + j;
                for (int c = 0; c < ci; c++)
                    for (int k = 0; k < 9; k++)
                        taps[k * row + c * nr + j] = transposed ? w[(c * co + o) * 9 + 8 - k] : w[(o * ci + c) * 9 + k];
            }
            for (int i = 0; i < a; i++)  // G g: α×3 rows
                for (int col = 0; col < 3; col++)
                    combine(taps, col * row, 3 * row, gm[i], taps, gg + (3 * i + col) * row, row);
            for (int i = 0; i < a; i++)  // (G g) Gᵀ: α×α rows, each one panel of a U_ξ
                for (int j = 0; j < a; j++)
                    combine(taps, gg + 3 * i * row, row, gm[j], packed, ((a * i + j) * panels + p) * row, row);
        });
        return packed;
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
