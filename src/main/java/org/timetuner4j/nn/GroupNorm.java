package org.timetuner4j.nn;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Tensor;

/** GroupNorm with affine weight/bias; the DDPM UNet uses 32 groups and eps 1e-6. */
public final class GroupNorm extends Module {
    public static final int DDPM_GROUPS = 32;
    public static final float DDPM_EPS = 1e-6f;

    private final Parameter weight, bias;
    private final int groups;
    private final float eps;

    public GroupNorm(Backend backend, int channels, int groups, float eps) {
        super(backend);
        if (channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels are not divisible into " + groups + " groups");
        this.weight = parameter("weight", channels);
        this.bias = parameter("bias", channels);
        this.groups = groups;
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return Ops.groupNorm(x, weight.value(), bias.value(), groups, eps);
    }

    Tensor weight() { return weight.value(); }

    Tensor bias() { return bias.value(); }

    int groups() { return groups; }

    float eps() { return eps; }

    /** silu(forward(x)), fused. */
    public Tensor forwardSilu(Tensor x) {
        return Ops.groupNormSilu(x, weight.value(), bias.value(), groups, eps);
    }
}
