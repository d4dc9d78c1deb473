package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.ChannelBlockedOps;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/** Nearest-neighbour ×2, then (optionally) a 3×3 conv. */
public final class Upsample extends Module {
    private final Conv2d conv;

    public Upsample(Backend backend, int channels, boolean withConv) {
        super(backend);
        conv = withConv ? child("conv", new Conv2d(backend, channels, channels, 3, Conv2dGeometry.of(1, 1))) : null;
    }

    public Tensor forward(Tensor x) {
        if (conv != null && !Tape.isRecording()) return backend().upsampleConv(x, conv.weight(), conv.bias());  // inference: one op
        try (Scope scope = Scope.open()) {
            Tensor h = Ops.upsampleNearest2x(x);
            return scope.keep(conv != null ? conv.forward(h) : h);
        }
    }

    /** {@link #forward} on a channel-blocked x, blocked output. */
    Tensor forwardBlocked(ChannelBlockedOps ops, Tensor xb) {
        if (conv != null) return ops.upsampleConv(xb, conv.weight(), conv.bias());
        try (Scope scope = Scope.open()) {
            return scope.keep(ops.block(Ops.upsampleNearest2x(ops.unblock(xb))));
        }
    }
}
