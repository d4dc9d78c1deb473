package org.timetuner4j.backend.cuda;

import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Group normalisation over NC… tensors, optionally fused with the SiLU that follows it (groupnorm.cu). */
final class CudaGroupNorm {
    private final CudaContext cuda;

    CudaGroupNorm(CudaContext cuda) { this.cuda = cuda; }

    /** {y, mean, rstd}; y = silu(norm(x)) when {@code silu}. */
    Tensor[] forward(Tensor x, Tensor gamma, Tensor beta, int groups, float eps, boolean silu) {
        cuda.require(x, gamma, beta);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        if (c % groups != 0) throw new IllegalArgumentException("group norm: " + c + " channels not divisible into " + groups + " groups");
        Tensor y = cuda.alloc(s), mean = cuda.alloc(Shape.of(n * groups)), rstd = cuda.alloc(Shape.of(n * groups));
        cuda.kernel(Kernel.GROUP_NORM_FWD, LaunchConfig.perRow((long) n * groups)).ptr(y).ptr(mean).ptr(rstd).ptr(x).ptr(gamma)
                .ptr(beta).i32(c).i32(hw).i32(groups).f32(eps).i32(silu ? 1 : 0).launch();
        return new Tensor[] {y, mean, rstd};
    }

    /** {gradX, gradGamma, gradBeta}. */
    Tensor[] backward(Tensor gradOut, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, int groups) {
        cuda.require(gradOut, x, gamma, mean, rstd);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        Tensor gx = cuda.alloc(s), gg = cuda.alloc(Shape.of(c)), gb = cuda.alloc(Shape.of(c));
        cuda.kernel(Kernel.GROUP_NORM_BWD_INPUT, LaunchConfig.perRow((long) n * groups)).ptr(gx).ptr(gradOut).ptr(x).ptr(gamma)
                .ptr(mean).ptr(rstd).i32(c).i32(hw).i32(groups).launch();
        cuda.kernel(Kernel.GROUP_NORM_BWD_AFFINE, LaunchConfig.perRow(c)).ptr(gg).ptr(gb).ptr(gradOut).ptr(x).ptr(mean).ptr(rstd)
                .i32(n).i32(c).i32(hw).i32(groups).launch();
        return new Tensor[] {gx, gg, gb};
    }

    /** As {@link #backward} for the fused group norm + SiLU: the SiLU's gradient first, then the norm's. */
    Tensor[] siluBackward(Tensor gradOut, Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor rstd, int groups) {
        cuda.require(gradOut, x, gamma, beta, mean, rstd);
        Shape s = x.shape();
        int n = s.dim(0), c = s.dim(1), hw = s.numel() / (n * c);
        try (Tensor gz = cuda.alloc(s)) {
            cuda.kernel(Kernel.GROUP_NORM_SILU_GRAD, LaunchConfig.elementwise(s.numel())).ptr(gz).ptr(gradOut).ptr(x).ptr(gamma)
                    .ptr(beta).ptr(mean).ptr(rstd).i32(c).i32(hw).i32(groups).i64(s.numel()).launch();
            return backward(gz, x, gamma, mean, rstd, groups);
        }
    }
}
