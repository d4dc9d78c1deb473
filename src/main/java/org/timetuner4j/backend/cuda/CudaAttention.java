package org.timetuner4j.backend.cuda;

import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Self-attention per sample, q, k, v as C x P matrices: the products on {@link CudaGemm}, the softmax on attention.cu. */
final class CudaAttention {
    private final CudaContext cuda;
    private final CudaGemm gemm;

    CudaAttention(CudaContext cuda, CudaGemm gemm) {
        this.cuda = cuda;
        this.gemm = gemm;
    }

    Tensor[] forward(Tensor q, Tensor k, Tensor v, float scale) {
        cuda.require(q, k, v);
        Shape s = q.shape();
        if (!s.equals(k.shape()) || !s.equals(v.shape()) || s.rank() != 4)
            throw new IllegalArgumentException("attention needs equal NCHW q, k, v; got " + s + ", " + k.shape() + ", " + v.shape());
        int n = s.dim(0), c = s.dim(1), p = s.dim(2) * s.dim(3);
        long cp = (long) c * p, pp = (long) p * p;
        Tensor out = cuda.alloc(s), probs = cuda.alloc(Shape.of(n, p, p));
        gemm.gemm(true, false, p, p, c, cuda.ptr(q), p, cp, cuda.ptr(k), p, cp, probs, pp, n, null);      // S = qᵀk
        cuda.kernel(Kernel.SOFTMAX_ROWS_FWD, LaunchConfig.perRow((long) n * p)).ptr(probs).i32(p).f32(scale).launch();
        gemm.gemm(false, true, c, p, p, cuda.ptr(v), p, cp, cuda.ptr(probs), p, pp, out, cp, n, null);     // out = v·Aᵀ
        return new Tensor[] {out, probs};
    }

    Tensor[] backward(Tensor gradOut, Tensor q, Tensor k, Tensor v, Tensor probs, float scale) {
        cuda.require(gradOut, q, k, v, probs);
        Shape s = q.shape();
        int n = s.dim(0), c = s.dim(1), p = s.dim(2) * s.dim(3);
        long cp = (long) c * p, pp = (long) p * p;
        Tensor gq = cuda.alloc(s), gk = cuda.alloc(s), gv = cuda.alloc(s);
        Tensor gs = cuda.alloc(Shape.of(n, p, p));
        gemm.gemm(false, false, c, p, p, cuda.ptr(gradOut), p, cp, cuda.ptr(probs), p, pp, gv, cp, n, null);  // gv = gout·A
        gemm.gemm(true, false, p, p, c, cuda.ptr(gradOut), p, cp, cuda.ptr(v), p, cp, gs, pp, n, null);       // gA = goutᵀ·v
        cuda.kernel(Kernel.SOFTMAX_ROWS_BWD, LaunchConfig.perRow((long) n * p)).ptr(gs).ptr(probs).i32(p).f32(scale).launch();
        gemm.gemm(false, true, c, p, p, cuda.ptr(k), p, cp, cuda.ptr(gs), p, pp, gq, cp, n, null);            // gq = k·gSᵀ
        gemm.gemm(false, false, c, p, p, cuda.ptr(q), p, cp, cuda.ptr(gs), p, pp, gk, cp, n, null);           // gk = q·gS
        gs.close();
        return new Tensor[] {gq, gk, gv};
    }
}
