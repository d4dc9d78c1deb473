package org.timetuner4j.backend;

import org.timetuner4j.tensor.Tensor;

/**
 * Inference ops on channel-blocked activations: a tensor of rank 5, [n][c / L][h][w][L], where
 * one run of L values holds one pixel of L channels ({@link #lanes()} = L, the backend's vector
 * width). A backend whose kernels read and write that layout natively offers these ops
 * ({@link Backend#channelBlocked()}) and a UNet then keeps its residual stream blocked from the
 * first convolution to the last, converting only around the layers that want NCHW (attention,
 * the output head): the scatter into NCHW after every convolution and the copy back into
 * blocks before the next one go away. Channel counts must be multiples of L. Nothing here
 * records on the tape: these are for sampling, not training.
 */
public interface ChannelBlockedOps {
    /** Channels per block. */
    int lanes();

    /** NCHW x as [n][c / L][h][w][L]. */
    Tensor block(Tensor x);

    /** A blocked tensor back in NCHW. */
    Tensor unblock(Tensor xb);

    /** conv2d(x, w, b, g) for blocked x, blocked output; any kernel size, stride and padding. */
    Tensor conv2d(Tensor xb, Tensor w, Tensor b, Conv2dGeometry g);

    /** {@link Backend#upsampleConv} for blocked x, blocked output. */
    Tensor upsampleConv(Tensor xb, Tensor w, Tensor b);

    /** {@link Backend#resnetBlockInterior} for blocked x and skip (which may be null), blocked output. */
    Tensor resnetBlockInterior(Tensor xb, Tensor gamma1, Tensor beta1, Tensor w1, Tensor b1, Tensor shift,
                               Tensor gamma2, Tensor beta2, int groups, float eps, Tensor w2, Tensor b2, Tensor skip);

    /**
     * A UNet's attention block for blocked x, blocked output: x + proj(attention(q(h), k(h), v(h)))
     * with h = groupNorm(x) and q, k, v, proj 1×1 convolutions (weights [c][c][1][1]); attention
     * over the h·w positions with scores scaled by {@code scale}.
     */
    Tensor attentionBlock(Tensor xb, Tensor gamma, Tensor beta, int groups, float eps, Tensor wq, Tensor bq, Tensor wk, Tensor bk,
                          Tensor wv, Tensor bv, Tensor wProj, Tensor bProj, float scale);

    /** The channels of a, then those of b (both blocked). */
    Tensor concatChannels(Tensor a, Tensor b);
}
