package org.timetuner4j.backend.cuda;

import jcuda.driver.CUdeviceptr;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Embedding lookup by label (class conditioning) and its gradient (embedding.cu). */
final class CudaEmbedding {
    private final CudaContext cuda;

    CudaEmbedding(CudaContext cuda) { this.cuda = cuda; }

    Tensor forward(Tensor weight, int[] indices) {
        cuda.require(weight);
        CudaContext.requireRank(weight, 2, "embedding weight");
        int v = weight.dim(0), d = weight.dim(1);
        for (int idx : indices)
            if (idx < 0 || idx >= v) throw new IllegalArgumentException("label " + idx + " is outside [0, " + v + ")");
        Tensor out = cuda.alloc(Shape.of(indices.length, d));
        if (indices.length == 0) return out;
        CachingAllocator.Block<CUdeviceptr> idx = cuda.uploadInts(indices);
        cuda.kernel(Kernel.EMBEDDING_FWD, LaunchConfig.elementwise((long) indices.length * d)).ptr(out).ptr(weight).ptr(idx.ptr())
                .i32(indices.length).i32(d).launch();
        cuda.release(idx);
        return out;
    }

    Tensor backward(Tensor gradOut, int[] indices, int rows) {
        cuda.require(gradOut);
        int d = gradOut.dim(1);
        for (int idx : indices)
            if (idx < 0 || idx >= rows) throw new IllegalArgumentException("label " + idx + " is outside [0, " + rows + ")");
        if (indices.length == 0) return cuda.zeros(Shape.of(rows, d));
        Tensor out = cuda.alloc(Shape.of(rows, d));
        CachingAllocator.Block<CUdeviceptr> idx = cuda.uploadInts(indices);
        cuda.kernel(Kernel.EMBEDDING_BWD, LaunchConfig.elementwise((long) rows * d)).ptr(out).ptr(gradOut).ptr(idx.ptr())
                .i32(indices.length).i32(rows).i32(d).launch();
        cuda.release(idx);
        return out;
    }
}
