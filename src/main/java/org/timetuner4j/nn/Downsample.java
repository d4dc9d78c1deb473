package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.ChannelBlockedOps;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * Halves the resolution: with a conv, zero-pad right and bottom by one (TensorFlow's SAME for
 * stride 2) then a 3×3 stride-2 conv; without, a 2×2 average pool.
 */
public final class Downsample extends Module {
    private final Conv2d conv;

    public Downsample(Backend backend, int channels, boolean withConv) {
        super(backend);
        conv = withConv ? child("conv", new Conv2d(backend, channels, channels, 3, new Conv2dGeometry(2, 0, 1, 0, 1))) : null;
    }

    public Tensor forward(Tensor x) {
        return conv != null ? conv.forward(x) : Ops.avgPool2x2(x);
    }

    /** {@link #forward} on a channel-blocked x, blocked output. */
    Tensor forwardBlocked(ChannelBlockedOps ops, Tensor xb) {
        if (conv != null) return ops.conv2d(xb, conv.weight(), conv.bias(), conv.geometry());
        try (Scope scope = Scope.open()) {
            return scope.keep(ops.block(Ops.avgPool2x2(ops.unblock(xb))));
        }
    }
}
