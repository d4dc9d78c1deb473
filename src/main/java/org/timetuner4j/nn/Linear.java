package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Tensor;

/** y = x·Wᵀ + b; weight [out, in]. */
public final class Linear extends Module {
    private final Parameter weight, bias;

    public Linear(Backend backend, int in, int out) {
        super(backend);
        this.weight = parameter("weight", out, in);
        this.bias = parameter("bias", out);
    }

    public Tensor forward(Tensor x) {
        return Ops.linear(x, weight.value(), bias.value());
    }
}
