package org.timetuner4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-head softmax attention over the P = H·W positions of one feature map, per sample:
 * S = scale·qᵀk [P×P], A = softmax over keys (rows), out = v·Aᵀ [C×P].
 */
final class CpuAttention {
    private CpuAttention() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    static void forward(float[] q, float[] k, float[] v, int n, int c, int p, float scale, float[] out, float[] probs) {
        attend(q, k, v, n, c, p, scale, out, probs, false);
    }

    /**
     * As {@link #forward} with q, k, v and out pixel-major ([n][p][c]): S = scale·q·kᵀ,
     * out = A·v. {@code probs} is scratch of n·p·p values.
     */
    static void forwardNhwc(float[] q, float[] k, float[] v, int n, int c, int p, float scale, float[] out, float[] probs) {
        attend(q, k, v, n, c, p, scale, out, probs, true);
    }

    private static void attend(float[] q, float[] k, float[] v, int n, int c, int p, float scale, float[] out, float[] probs,
                               boolean pixelMajor) {
        int ld = pixelMajor ? c : p;  // the row length of q, k, v and out
        Parallel.forEach(n, i -> {
            int fo = i * c * p, po = i * p * p;
            java.util.Arrays.fill(probs, po, po + p * p, 0f);
            Gemm.gemm(!pixelMajor, pixelMajor, p, p, c, q, fo, ld, k, fo, ld, probs, po, p);
            for (int r = 0; r < p; r++) softmax(probs, po + r * p, p, scale);
            java.util.Arrays.fill(out, fo, fo + c * p, 0f);
            if (pixelMajor) Gemm.gemm(false, false, p, c, p, probs, po, p, v, fo, c, out, fo, c);
            else Gemm.gemm(false, true, c, p, p, v, fo, p, probs, po, p, out, fo, p);
        });
    }

    /** s[row, row + p) = softmax(scale · s[row …]) in place, in vectors; the sum in a fixed order. */
    private static void softmax(float[] s, int row, int p, float scale) {
        int whole = S.loopBound(p);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < whole; j += L) {
            FloatVector v = FloatVector.fromArray(S, s, row + j).mul(scale);
            v.intoArray(s, row + j);
            vmax = vmax.max(v);
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);  // exact in any order; −∞ when p < L
        for (int j = row + whole; j < row + p; j++) {
            s[j] *= scale;
            max = Math.max(max, s[j]);
        }
        VectorMath.exp(s, row, 1f, -max, s, row, p);
        FloatVector sum = FloatVector.zero(S);
        for (int j = 0; j < whole; j += L) sum = sum.add(FloatVector.fromArray(S, s, row + j));
        double total = VectorMath.sumLanes(sum);
        for (int j = row + whole; j < row + p; j++) total += s[j];
        float inv = (float) (1.0 / total);
        for (int j = 0; j < whole; j += L) FloatVector.fromArray(S, s, row + j).mul(inv).intoArray(s, row + j);
        for (int j = row + whole; j < row + p; j++) s[j] *= inv;
    }

    /**
     * gv = gout·A; gA = goutᵀ·v; gS = A ⊙ (gA − rowsum(gA ⊙ A))·scale; gq = k·gSᵀ; gk = q·gS.
     */
    static void backward(float[] gout, float[] q, float[] k, float[] v, float[] probs, int n, int c, int p, float scale,
                         float[] gq, float[] gk, float[] gv) {
        Parallel.forEach(n, i -> {
            int fo = i * c * p, po = i * p * p;
            Gemm.gemm(false, false, c, p, p, gout, fo, p, probs, po, p, gv, fo, p);
            float[] gs = new float[p * p];
            Gemm.gemm(true, false, p, p, c, gout, fo, p, v, fo, p, gs, 0, p);
            for (int r = 0; r < p; r++) {
                int row = r * p;
                double dot = 0;
                for (int j = 0; j < p; j++) dot += (double) gs[row + j] * probs[po + row + j];
                for (int j = 0; j < p; j++)
                    gs[row + j] = (float) (probs[po + row + j] * (gs[row + j] - dot) * scale);
            }
            Gemm.gemm(false, true, c, p, p, k, fo, p, gs, 0, p, gq, fo, p);
            Gemm.gemm(false, false, c, p, p, q, fo, p, gs, 0, p, gk, fo, p);
        });
    }
}
