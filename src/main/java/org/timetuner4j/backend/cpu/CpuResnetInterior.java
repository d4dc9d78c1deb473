package org.timetuner4j.backend.cpu;

/**
 * The parts of a fused residual-block interior that do not depend on x's layout: the time
 * shift folded into conv1's bias, and everything after conv1 (second group norm + SiLU into
 * conv2's padded blocked input, conv2 with the shortcut added as its tiles are written). The CPU
 * backend runs it from NCHW x ({@link CpuBackend#resnetBlockInterior}) and from blocked x
 * ({@link CpuChannelBlocked#resnetBlockInterior}).
 */
final class CpuResnetInterior {
    private CpuResnetInterior() {}

    /** b1 (may be null) + shift, one value per image and channel ([n][c]), as conv1's per-image bias. */
    static float[] shiftedBias(float[] b1, float[] shift, int n, int c) {
        float[] bias = new float[n * c];
        for (int i = 0; i < bias.length; i++) bias[i] = (b1 == null ? 0f : b1[i % c]) + shift[i];
        return bias;
    }

    /**
     * out = conv2(silu(groupNorm2(h))) + b2 + skip, h being conv1's blocked output (given back to
     * the pool here); out and skip (may be null) blocked with {@code outputBlocked}, NCHW otherwise.
     */
    static void afterConv1(float[] h, float[] gamma2, float[] beta2, int groups, float eps, CpuConv2d.Dims d2, float[] w2, float[] b2,
                           float[] skip, float[] out, boolean outputBlocked, ArrayPool pool) {
        CpuWinograd.PaddedInput layout = CpuWinograd.PaddedInput.of(d2);
        float[] xb = pool.take(layout.size(d2.n()));
        CpuBlockedGroupNorm.siluIntoPadded(h, gamma2, beta2, d2.n(), d2.ci(), d2.h(), d2.w(), groups, eps, xb, layout);
        pool.give(h);
        CpuWinograd.forward(CpuWinograd.tile(), xb, true, w2, false, b2, d2, out, skip, outputBlocked, pool);
        pool.give(xb);
    }
}
