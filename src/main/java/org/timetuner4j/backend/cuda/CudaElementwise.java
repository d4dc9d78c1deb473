package org.timetuner4j.backend.cuda;

import org.timetuner4j.backend.Broadcast;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Element-wise arithmetic with broadcasting, the reduction to a broadcast source's shape, and SiLU (elementwise.cu). */
final class CudaElementwise {
    static final int ADD = 0, SUB = 1, MUL = 2;

    private final CudaContext cuda;

    CudaElementwise(CudaContext cuda) { this.cuda = cuda; }

    Tensor binary(Tensor a, Tensor b, int op) {
        cuda.require(a, b);
        Shape out = Broadcast.shape(a.shape(), b.shape());
        Tensor o = cuda.alloc(out);
        int n = out.numel();
        if (a.shape().equals(out) && b.shape().equals(out)) {
            cuda.kernel(Kernel.BINARY_SAME, LaunchConfig.elementwise(n)).ptr(o).ptr(a).ptr(b)
                    .i32(op).i32(n).launch();
        } else {
            broadcastInto(o, a, b, op);
        }
        return o;
    }

    /** out = a op b with broadcasting; out may be a (each element reads only its own a value). */
    void broadcastInto(Tensor out, Tensor a, Tensor b, int op) {
        int[] d = Broadcast.dims4(out.shape());
        int[] sa = Broadcast.strides4(a.shape(), out.shape()), sb = Broadcast.strides4(b.shape(), out.shape());
        int n = out.numel();
        cuda.kernel(Kernel.BINARY_BCAST, LaunchConfig.elementwise(n)).ptr(out).ptr(a).ptr(b)
                .i32(op).i32(n).i32(d[1]).i32(d[2]).i32(d[3])
                .i32(sa[0]).i32(sa[1]).i32(sa[2]).i32(sa[3]).i32(sb[0]).i32(sb[1]).i32(sb[2]).i32(sb[3]).launch();
    }

    Tensor axpby(float alpha, Tensor x, float beta, Tensor y) {
        cuda.require(x, y);
        if (!x.shape().equals(y.shape())) throw new IllegalArgumentException("axpby shapes differ: " + x.shape() + " vs " + y.shape());
        Tensor o = cuda.alloc(x.shape());
        cuda.kernel(Kernel.AXPBY_F32, LaunchConfig.elementwise(x.numel())).ptr(o).f32(alpha).ptr(x).f32(beta)
                .ptr(y).i32(x.numel()).launch();
        return o;
    }

    Tensor affine(Tensor x, float s, float c) {
        cuda.require(x);
        Tensor o = cuda.alloc(x.shape());
        cuda.kernel(Kernel.AFFINE_F32, LaunchConfig.elementwise(x.numel())).ptr(o).ptr(x).f32(s).f32(c)
                .i32(x.numel()).launch();
        return o;
    }

    void addInPlace(Tensor acc, Tensor g) {
        cuda.require(acc, g);
        if (!acc.shape().equals(g.shape())) throw new IllegalArgumentException("addInPlace shapes differ: " + acc.shape() + " vs " + g.shape());
        cuda.enter();
        cuda.kernel(Kernel.ADD_INPLACE_F32, LaunchConfig.elementwise(acc.numel())).ptr(acc).ptr(g)
                .i32(acc.numel()).launch();
    }

    Tensor sumToShape(Tensor g, Shape target) {
        cuda.require(g);
        if (g.shape().equals(target)) return cuda.copyAs(g, g.shape());
        Shape check = Broadcast.shape(target, g.shape());
        if (!check.equals(g.shape())) throw new IllegalArgumentException("cannot reduce " + g.shape() + " to " + target);
        int[] d = Broadcast.dims4(g.shape());
        int mask = Broadcast.reducedMask(g.shape(), target);
        int count = Broadcast.reducedCount(g.shape(), mask);
        Tensor o = cuda.alloc(target);
        int targetN = target.numel();
        if (count >= LaunchConfig.BLOCK_PER_TARGET_FROM) {
            cuda.kernel(Kernel.SUM_TO_SHAPE_BLOCK, LaunchConfig.perRow(targetN)).ptr(o).ptr(g)
                    .i32(count).i32(mask).i32(d[0]).i32(d[1]).i32(d[2]).i32(d[3]).launch();
        } else {
            cuda.kernel(Kernel.SUM_TO_SHAPE_THREAD, LaunchConfig.elementwise(targetN)).ptr(o).ptr(g)
                    .i32(targetN).i32(count).i32(mask).i32(d[0]).i32(d[1]).i32(d[2]).i32(d[3]).launch();
        }
        return o;
    }

    Tensor silu(Tensor x) {
        cuda.require(x);
        Tensor o = cuda.alloc(x.shape());
        cuda.kernel(Kernel.SILU_FWD, LaunchConfig.elementwise(x.numel())).ptr(o).ptr(x).i32(x.numel()).launch();
        return o;
    }

    Tensor siluBackward(Tensor x, Tensor gradOut) {
        cuda.require(x, gradOut);
        Tensor o = cuda.alloc(x.shape());
        cuda.kernel(Kernel.SILU_BWD, LaunchConfig.elementwise(x.numel())).ptr(o).ptr(x).ptr(gradOut)
                .i32(x.numel()).launch();
        return o;
    }
}
