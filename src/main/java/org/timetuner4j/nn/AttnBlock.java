package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.ChannelBlockedOps;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * DDPM self-attention over the whole feature map, one head: q, k, v and proj_out are 1×1
 * convs; scores are scaled by C^−1/2 (rounded to float32) after qᵀk.
 */
public final class AttnBlock extends Module {
    private final GroupNorm norm;
    private final Conv2d q, k, v, projOut;
    private final float scale;

    public AttnBlock(Backend backend, int channels) {
        super(backend);
        Conv2dGeometry pointwise = Conv2dGeometry.of(1, 0);
        norm = child("norm", new GroupNorm(backend, channels, GroupNorm.DDPM_GROUPS, GroupNorm.DDPM_EPS));
        q = child("q", new Conv2d(backend, channels, channels, 1, pointwise));
        k = child("k", new Conv2d(backend, channels, channels, 1, pointwise));
        v = child("v", new Conv2d(backend, channels, channels, 1, pointwise));
        projOut = child("proj_out", new Conv2d(backend, channels, channels, 1, pointwise));
        scale = (float) Math.pow(channels, -0.5);
    }

    public Tensor forward(Tensor x) {
        try (Scope scope = Scope.open()) {
            Tensor h = norm.forward(x);
            Tensor o = Ops.attention(q.forward(h), k.forward(h), v.forward(h), scale);
            return scope.keep(Ops.add(x, projOut.forward(o)));
        }
    }

    /** {@link #forward} at inference on a channel-blocked x, blocked output. */
    Tensor forwardBlocked(ChannelBlockedOps ops, Tensor xb) {
        return ops.attentionBlock(xb, norm.weight(), norm.bias(), norm.groups(), norm.eps(), q.weight(), q.bias(), k.weight(), k.bias(),
                v.weight(), v.bias(), projOut.weight(), projOut.bias(), scale);
    }
}
