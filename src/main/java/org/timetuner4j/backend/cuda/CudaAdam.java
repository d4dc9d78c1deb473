package org.timetuner4j.backend.cuda;

import org.timetuner4j.tensor.Tensor;

/** Adam's update on device-resident parameters and moments, in place (adam.cu). */
final class CudaAdam {
    private final CudaContext cuda;

    CudaAdam(CudaContext cuda) { this.cuda = cuda; }

    /** One step, PyTorch's semantics without weight decay; {@code step} counts from 1 and sets the bias corrections. */
    void step(Tensor param, Tensor grad, Tensor m, Tensor v, int step, double lr, double beta1, double beta2, double eps) {
        cuda.require(param, grad, m, v);
        if (!param.shape().equals(grad.shape()) || !param.shape().equals(m.shape()) || !param.shape().equals(v.shape()))
            throw new IllegalArgumentException("adam: parameter, gradient and moments must have one shape");
        cuda.enter();
        double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
        cuda.kernel(Kernel.ADAM_STEP, LaunchConfig.elementwise(param.numel())).ptr(param).ptr(grad).ptr(m).ptr(v)
                .i32(param.numel()).f64(lr).f64(beta1).f64(beta2).f64(eps).f64(c1).f64(c2).launch();
    }
}
