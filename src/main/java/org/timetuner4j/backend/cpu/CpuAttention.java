package org.timetuner4j.backend.cpu;

/**
 * Single-head softmax attention over the P = H·W positions of one feature map, per sample:
 * S = scale·qᵀk [P×P], A = softmax over keys (rows), out = v·Aᵀ [C×P].
 */
final class CpuAttention {
    private CpuAttention() {}

    static void forward(float[] q, float[] k, float[] v, int n, int c, int p, float scale, float[] out, float[] probs) {
        Parallel.forEach(n, i -> {
            int fo = i * c * p, po = i * p * p;
            java.util.Arrays.fill(probs, po, po + p * p, 0f);
            Gemm.gemm(true, false, p, p, c, q, fo, p, k, fo, p, probs, po, p);
            for (int r = 0; r < p; r++) {
                int row = po + r * p;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < p; j++) {
                    float s = probs[row + j] * scale;
                    probs[row + j] = s;
                    if (s > max) max = s;
                }
                double sum = 0;
                for (int j = 0; j < p; j++) {
                    float e = (float) Math.exp(probs[row + j] - max);
                    probs[row + j] = e;
                    sum += e;
                }
                float inv = (float) (1.0 / sum);
                for (int j = 0; j < p; j++) probs[row + j] *= inv;
            }
            java.util.Arrays.fill(out, fo, fo + c * p, 0f);
            Gemm.gemm(false, true, c, p, p, v, fo, p, probs, po, p, out, fo, p);
        });
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
