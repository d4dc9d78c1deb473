package org.timetuner4j.backend.cuda;

import jcuda.driver.CUdeviceptr;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Matrix products: matmul, linear and the batched products of attention, on cuBLAS when it loaded, else on gemm.cu. */
final class CudaGemm {
    private final CudaContext cuda;
    private final CudaElementwise elementwise;
    private final CublasSupport cublas;  // null: gemm.cu

    CudaGemm(CudaContext cuda, CudaElementwise elementwise, CublasSupport cublas) {
        this.cuda = cuda;
        this.elementwise = elementwise;
        this.cublas = cublas;
    }

    /**
     * C[z] = op(A[z])·op(B[z]) (+ bias per column) for z < batch, row-major, on cuBLAS when it
     * loaded (bias then added by the broadcast kernel), else on gemm.cu.
     */
    void gemm(boolean ta, boolean tb, int m, int n, int k, CUdeviceptr a, int lda, long strideA,
              CUdeviceptr b, int ldb, long strideB, Tensor c, long strideC, int batch, Tensor bias) {
        if (m == 0 || n == 0) return;
        if (k == 0) {
            cuda.zeroWords(cuda.ptr(c), (long) batch * m * n);
        } else if (cublas != null) {
            cublas.gemm(ta, tb, m, n, k, a, lda, strideA, b, ldb, strideB, cuda.ptr(c), n, strideC, batch);
        } else {
            Kernel kern = ta ? (tb ? Kernel.GEMM_TT : Kernel.GEMM_TN) : (tb ? Kernel.GEMM_NT : Kernel.GEMM_NN);
            cuda.kernel(kern, LaunchConfig.tiles(m, n, batch)).i32(m).i32(n).i32(k).ptr(a).i32(lda).i64(strideA)
                    .ptr(b).i32(ldb).i64(strideB).ptr(c).i32(n).i64(strideC).ptr(bias).i32(0).launch();
            return;
        }
        if (bias != null) elementwise.broadcastInto(c, c, bias, CudaElementwise.ADD);
    }

    Tensor matmul(Tensor a, boolean ta, Tensor b, boolean tb) {
        cuda.require(a, b);
        CudaContext.requireRank(a, 2, "matmul operand");
        CudaContext.requireRank(b, 2, "matmul operand");
        int m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
        int kb = tb ? b.dim(1) : b.dim(0), n = tb ? b.dim(0) : b.dim(1);
        if (k != kb) throw new IllegalArgumentException("matmul inner sizes differ: " + a.shape() + " and " + b.shape());
        Tensor c = cuda.alloc(Shape.of(m, n));
        gemm(ta, tb, m, n, k, cuda.ptr(a), a.dim(1), 0, cuda.ptr(b), b.dim(1), 0, c, 0, 1, null);
        return c;
    }

    Tensor linear(Tensor x, Tensor w, Tensor b) {
        cuda.require(x, w, b);
        CudaContext.requireRank(x, 2, "linear input");
        CudaContext.requireRank(w, 2, "linear weight");
        if (x.dim(1) != w.dim(1)) throw new IllegalArgumentException("linear: input " + x.shape() + " does not fit weight " + w.shape());
        Tensor y = cuda.alloc(Shape.of(x.dim(0), w.dim(0)));
        gemm(false, true, x.dim(0), w.dim(0), x.dim(1), cuda.ptr(x), x.dim(1), 0, cuda.ptr(w), w.dim(1), 0, y, 0, 1, b);
        return y;
    }
}
