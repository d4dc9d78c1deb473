package org.timetuner4j.backend.cpu;

/**
 * The DDPM sinusoidal embedding in PyTorch's float32 evaluation order (see the UNet spec §1.3):
 * a_i = fl(i·fl(−ln(10000)/(half−1))), freq_i = fl(exp a_i), arg = fl(t·freq_i);
 * emb = [sin(arg) for i < half, cos(arg) for i < half], a zero column when dim is odd.
 */
final class CpuTimestepEmbedding {
    private CpuTimestepEmbedding() {}

    static float[] frequencies(int dim) {
        int half = dim / 2;
        float[] f = new float[half];
        float step = (float) (-Math.log(10000.0) / (half - 1));
        for (int i = 0; i < half; i++) f[i] = (float) Math.exp((float) i * step);
        return f;
    }

    static void forward(float[] t, int dim, float[] out) {
        float[] freq = frequencies(dim);
        int half = dim / 2;
        for (int n = 0; n < t.length; n++) {
            for (int i = 0; i < half; i++) {
                float arg = t[n] * freq[i];
                out[n * dim + i] = (float) Math.sin(arg);
                out[n * dim + half + i] = (float) Math.cos(arg);
            }
            if (dim % 2 == 1) out[n * dim + dim - 1] = 0f;
        }
    }

    /** gt[n] = Σ_i g_sin·freq_i·cos(arg) − g_cos·freq_i·sin(arg). */
    static void backward(float[] gout, float[] t, int dim, float[] gt) {
        float[] freq = frequencies(dim);
        int half = dim / 2;
        for (int n = 0; n < t.length; n++) {
            double s = 0;
            for (int i = 0; i < half; i++) {
                double arg = t[n] * freq[i];
                s += gout[n * dim + i] * freq[i] * Math.cos(arg) - gout[n * dim + half + i] * freq[i] * Math.sin(arg);
            }
            gt[n] = (float) s;
        }
    }
}
