package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, 2016):
 * each 2×2 output tile comes from a 4×4 input tile with 16 multiplies per channel pair instead
 * of 36, so the GEMM work drops 2.25×. In the transform domain the sum over input channels is,
 * for each of the 16 positions ξ, one GEMM over the T tiles of a task:
 * <pre>
 *   U_ξ = (G g Gᵀ)_ξ   [co×ci]      V_ξ = (Bᵀ d B)_ξ   [ci×T]      M_ξ = U_ξ · V_ξ   [co×T]
 *   y = Aᵀ M A  (2×2 per tile)
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1]
 * </pre>
 * The input and output transforms only add and subtract, and every sum runs in a fixed order,
 * so results do not depend on the thread count. Rounding differs from the direct method by a
 * few ulp of the layer's magnitude; {@code -Dtimetuner.cpu.winograd=off} turns it off.
 */
final class CpuWinograd {
    private CpuWinograd() {}

    static final boolean ENABLED = !"off".equals(System.getProperty("timetuner.cpu.winograd"));
    /** Below this many channels (e.g. a UNet's RGB input or output conv) the transforms cost more than they save. */
    static final int MIN_CHANNELS = 8;
    /** Tiles per task: wide GEMMs, and V and M of a task about L2-sized at 64 channels (128 beat 64 on AVX2). */
    private static final int TILES_PER_TASK = 128;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), NR = Gemm.panelWidth();
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        float[] v = new float[0], m = new float[0], rows = new float[0];

        Scratch ensure(int vSize, int mSize, int rowsSize) {
            if (v.length < vSize) v = new float[vSize];
            if (m.length < mSize) m = new float[mSize];
            if (rows.length < rowsSize) rows = new float[rowsSize];
            return this;
        }
    }

    static boolean applies(CpuConv2d.Dims d) {
        return ENABLED && d.kh() == 3 && d.kw() == 3 && d.g().stride() == 1
                && d.ci() >= MIN_CHANNELS && d.co() >= MIN_CHANNELS;
    }

    static void forward(float[] x, float[] w, float[] bias, CpuConv2d.Dims d, float[] out, ArrayPool pool) {
        int ci = d.ci(), co = d.co();
        int th = (d.ho() + 1) / 2, tw = (d.wo() + 1) / 2;
        // padded input covering every tile, including the half-used last row/column of tiles
        int hp = 2 * th + 2, wp = 2 * tw + 2;
        float[] xp = pad(x, d, hp, wp, pool);
        Gemm.PackedA[] u = transformWeights(w, co, ci);
        // a task: `images` whole images when they are small, else `rows` tile rows of one image
        int perImage = th * tw;
        int images = Math.max(1, Math.min(TILES_PER_TASK / perImage, d.n() / (2 * Parallel.threads())));
        int rows = images > 1 ? th : Math.max(1, Math.min(th, TILES_PER_TASK / tw));
        int blocks = (th + rows - 1) / rows, groups = (d.n() + images - 1) / images;
        // Rows of V, M and the scratch are padded to whole panels plus a vector, so every loop
        // runs in whole vectors and the GEMM in whole panels: the extra lanes compute garbage
        // that is never read.
        int wq = roundUp(wp, L) + L;
        Parallel.forEach(groups * blocks, task -> {
            int n0 = task / blocks * images, ty0 = (task % blocks) * rows;
            int imgs = Math.min(images, d.n() - n0), r = Math.min(rows, th - ty0);
            int t = imgs * r * tw, tq = roundUp(t, NR) + L;
            Scratch s = SCRATCH.get().ensure(16 * ci * tq, 16 * co * tq, 4 * wq + 4 * tq);
            for (int c = 0; c < ci; c++)
                for (int i = 0; i < imgs; i++)
                    transformInput(xp, (((n0 + i) * ci + c) * hp + 2 * ty0) * wp, wp, wq, r, tw, s.rows, s.v, c * tq + i * r * tw, ci * tq);
            for (int xi = 0; xi < 16; xi++) Gemm.product(u[xi], false, roundUp(t, NR), s.v, xi * ci * tq, tq, s.m, xi * co * tq, tq);
            for (int o = 0; o < co; o++)
                for (int i = 0; i < imgs; i++)
                    transformOutput(s.m, o * tq + i * r * tw, co * tq, r * tw, r, tw, bias == null ? 0f : bias[o], s.rows,
                            out, ((n0 + i) * co + o) * d.ho() * d.wo(), 2 * ty0, d.ho(), d.wo());
        });
        pool.give(xp);
    }

    /**
     * x zero-padded to hp×wp per plane (the forward padding on the top and left), each row
     * stored as its even columns then its odd columns: a tile's four columns 2t … 2t+3 are then
     * evens[t], odds[t], evens[t+1], odds[t+1], so consecutive tiles are consecutive lanes.
     */
    private static float[] pad(float[] x, CpuConv2d.Dims d, int hp, int wp, ArrayPool pool) {
        int h = d.h(), w = d.w(), pt = d.g().padTop(), pl = d.g().padLeft(), half = wp / 2;
        int rowsIn = Math.min(h, hp - pt), colsIn = Math.min(w, wp - pl);
        // recycled: every value is written; the tail is read (never used) by the last row's whole vectors
        float[] xp = pool.take(d.n() * d.ci() * hp * wp + 2 * L);
        Parallel.forEach(d.n() * d.ci(), plane -> {
            int src = plane * h * w, base = plane * hp * wp;
            java.util.Arrays.fill(xp, base, base + hp * wp, 0f);
            if (plane == d.n() * d.ci() - 1) java.util.Arrays.fill(xp, base + hp * wp, xp.length, 0f);
            for (int y = 0; y < rowsIn; y++) {
                int row = base + (pt + y) * wp, in = src + y * w;
                // input column c sits at padded column pl + c: even ones to the left half, odd to the right
                for (int c = pl & 1, k = row + (pl + c) / 2; c < colsIn; c += 2, k++) xp[k] = x[in + c];
                for (int c = 1 - (pl & 1), k = row + half + (pl + c) / 2; c < colsIn; c += 2, k++) xp[k] = x[in + c];
            }
        });
        return xp;
    }

    /** U = G g Gᵀ for every (out, in) channel pair, packed as 16 GEMM A operands U_ξ[co×ci]. */
    static Gemm.PackedA[] transformWeights(float[] w, int co, int ci) {
        float[] u = new float[16 * co * ci];
        int stride = co * ci;
        Parallel.forEach(co, o -> {
            float[] gg = new float[12];
            for (int c = 0; c < ci; c++) {
                int g = (o * ci + c) * 9;
                for (int col = 0; col < 3; col++) {  // G g: 4×3
                    float g0 = w[g + col], g1 = w[g + 3 + col], g2 = w[g + 6 + col];
                    gg[col] = g0;
                    gg[3 + col] = 0.5f * (g0 + g1 + g2);
                    gg[6 + col] = 0.5f * (g0 - g1 + g2);
                    gg[9 + col] = g2;
                }
                int at = o * ci + c;
                for (int r = 0; r < 4; r++) {  // (G g) Gᵀ: 4×4
                    float q0 = gg[3 * r], q1 = gg[3 * r + 1], q2 = gg[3 * r + 2];
                    u[(4 * r) * stride + at] = q0;
                    u[(4 * r + 1) * stride + at] = 0.5f * (q0 + q1 + q2);
                    u[(4 * r + 2) * stride + at] = 0.5f * (q0 - q1 + q2);
                    u[(4 * r + 3) * stride + at] = q2;
                }
            }
        });
        Gemm.PackedA[] packed = new Gemm.PackedA[16];
        Parallel.forEach(16, xi -> packed[xi] = Gemm.pack(false, co, ci, u, xi * stride, ci));
        return packed;
    }

    private static int roundUp(int v, int m) { return (v + m - 1) / m * m; }

    /**
     * V = Bᵀ d B for the tiles of one channel in {@code rows} tile rows starting at padded row
     * offset {@code base} (rows stored evens then odds): V_ξ[c, tile] lands at
     * v[ξ·vStride + vOff + tile]. tmp holds the four column-transformed rows, wq apart.
     */
    static void transformInput(float[] xp, int base, int wp, int wq, int rows, int tw, float[] tmp, float[] v, int vOff, int vStride) {
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
            // … B across each tile's four columns: evens[t], odds[t], evens[t+1], odds[t+1]. A
            // row's whole-vector overhang lands on the next row's tiles, which overwrite it.
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

    /**
     * y = Aᵀ M A + bias for the t tiles of one output channel (M_ξ at m[ξ·mStride + mOff + tile]),
     * computed in whole vectors into y (four rows of at least t + L), then written to the output
     * plane at {@code plane} from output row oy0 on, cropped to ho×wo.
     */
    static void transformOutput(float[] m, int mOff, int mStride, int t, int rows, int tw, float bias, float[] y,
                                float[] out, int plane, int oy0, int ho, int wo) {
        int yq = roundUp(t, L) + L;
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
        for (int r = 0; r < rows; r++) {
            int oy = oy0 + 2 * r;
            boolean second = oy + 1 < ho;
            for (int tx = 0; tx < tw; tx++) {
                int k = r * tw + tx, ox = 2 * tx, at = plane + oy * wo + ox;
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
