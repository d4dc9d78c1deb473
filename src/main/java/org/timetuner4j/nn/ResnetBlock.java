package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.ChannelBlockedOps;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * DDPM residual block: h = conv1(swish(norm1(x))) + temb_proj(swish(temb)); h = conv2(dropout(
 * swish(norm2(h)))); out = shortcut(x) + h, with a 1×1 nin_shortcut when channels change.
 */
public final class ResnetBlock extends Module {
    private final GroupNorm norm1, norm2;
    private final Conv2d conv1, conv2, ninShortcut;
    private final Linear tembProj;
    private final float dropout;
    private final DropoutStream rng;

    public ResnetBlock(Backend backend, int in, int out, int tembChannels, float dropout, DropoutStream rng) {
        super(backend);
        Conv2dGeometry same = Conv2dGeometry.of(1, 1);
        norm1 = child("norm1", new GroupNorm(backend, in, GroupNorm.DDPM_GROUPS, GroupNorm.DDPM_EPS));
        conv1 = child("conv1", new Conv2d(backend, in, out, 3, same));
        tembProj = child("temb_proj", new Linear(backend, tembChannels, out));
        norm2 = child("norm2", new GroupNorm(backend, out, GroupNorm.DDPM_GROUPS, GroupNorm.DDPM_EPS));
        conv2 = child("conv2", new Conv2d(backend, out, out, 3, same));
        ninShortcut = in != out ? child("nin_shortcut", new Conv2d(backend, in, out, 1, Conv2dGeometry.of(1, 0))) : null;
        this.dropout = dropout;
        this.rng = rng;
    }

    public Tensor forward(Tensor x, Tensor temb) {
        try (Scope scope = Scope.open()) {
            Tensor t = tembProj.forward(Ops.silu(temb));
            Tensor skip = ninShortcut != null ? ninShortcut.forward(x) : x;
            if (!Tape.isRecording() && runsAsOneOp()) {  // inference: one op, which a backend may fuse
                return scope.keep(backend().resnetBlockInterior(x, norm1.weight(), norm1.bias(), conv1.weight(), conv1.bias(), t,
                        norm2.weight(), norm2.bias(), norm2.groups(), norm2.eps(), conv2.weight(), conv2.bias(), skip));
            }
            Tensor h = conv1.forward(norm1.forwardSilu(x));
            h = Ops.add(h, Ops.reshape(t, org.timetuner4j.tensor.Shape.of(t.dim(0), t.dim(1), 1, 1)));
            h = norm2.forwardSilu(h);
            if (isTraining() && dropout > 0f) h = Ops.dropout(h, dropout, rng.seed(), rng.take(h.numel()));
            h = conv2.forward(h);
            return scope.keep(Ops.add(skip, h));
        }
    }

    /** {@link #forward} at inference on a channel-blocked x, blocked output. */
    Tensor forwardBlocked(ChannelBlockedOps ops, Tensor xb, Tensor temb) {
        try (Scope scope = Scope.open()) {
            Tensor t = tembProj.forward(Ops.silu(temb));
            Tensor skip = ninShortcut != null ? ops.conv2d(xb, ninShortcut.weight(), ninShortcut.bias(), ninShortcut.geometry()) : xb;
            return scope.keep(ops.resnetBlockInterior(xb, norm1.weight(), norm1.bias(), conv1.weight(), conv1.bias(), t,
                    norm2.weight(), norm2.bias(), norm2.groups(), norm2.eps(), conv2.weight(), conv2.bias(), skip));
        }
    }

    /**
     * Whether, with nothing recorded, the interior runs as one backend op ({@link #forward}) or
     * blocked ({@link #forwardBlocked}): no dropout, one group count and eps for both norms.
     */
    boolean runsAsOneOp() {
        return !(isTraining() && dropout > 0f) && norm1.groups() == norm2.groups() && norm1.eps() == norm2.eps();
    }
}
