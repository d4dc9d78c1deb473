package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Tensor;

/** Conv2d with bias; weight [out, in, k, k]. */
public final class Conv2d extends Module {
    private final Parameter weight, bias;
    private final Conv2dGeometry geometry;

    public Conv2d(Backend backend, int in, int out, int kernel, Conv2dGeometry geometry) {
        super(backend);
        this.weight = parameter("weight", out, in, kernel, kernel);
        this.bias = parameter("bias", out);
        this.geometry = geometry;
    }

    public Tensor forward(Tensor x) {
        return Ops.conv2d(x, weight.value(), bias.value(), geometry);
    }

    Tensor weight() { return weight.value(); }

    Tensor bias() { return bias.value(); }

    Conv2dGeometry geometry() { return geometry; }
}
