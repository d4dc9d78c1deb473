package org.timetuner4j.backend.cuda;

import jcuda.driver.CUdeviceptr;
import org.timetuner4j.backend.CrossEntropyArgs;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Mean softmax cross-entropy over rows of logits and its gradient (loss.cu). */
final class CudaCrossEntropy {
    private final CudaContext cuda;

    CudaCrossEntropy(CudaContext cuda) { this.cuda = cuda; }

    /** {mean loss, per-row statistics for the backward pass}. */
    Tensor[] forward(Tensor logits, int[] labels) {
        cuda.require(logits);
        CrossEntropyArgs.check(logits, labels);
        int n = logits.dim(0), k = logits.dim(1);
        Tensor loss = cuda.alloc(Shape.scalar()), stats = cuda.alloc(Shape.of(n, 2));
        CachingAllocator.Block<CUdeviceptr> idx = cuda.uploadInts(labels);
        CachingAllocator.Block<CUdeviceptr> nll = cuda.scratch(8L * n);
        cuda.kernel(Kernel.CROSS_ENTROPY_ROWS, LaunchConfig.perRow(n)).ptr(stats).ptr(nll.ptr()).ptr(logits).ptr(idx.ptr())
                .i32(k).launch();
        cuda.kernel(Kernel.CROSS_ENTROPY_MEAN, new Launch(1, 1, 1, LaunchConfig.THREADS)).ptr(loss).ptr(nll.ptr()).i32(n).launch();
        cuda.release(nll);
        cuda.release(idx);
        return new Tensor[] {loss, stats};
    }

    Tensor backward(Tensor gradOut, Tensor logits, Tensor rowStats, int[] labels) {
        cuda.require(gradOut, logits, rowStats);
        CrossEntropyArgs.check(logits, labels);
        int n = logits.dim(0), k = logits.dim(1);
        Tensor gz = cuda.alloc(logits.shape());
        CachingAllocator.Block<CUdeviceptr> idx = cuda.uploadInts(labels);
        cuda.kernel(Kernel.CROSS_ENTROPY_BWD, LaunchConfig.elementwise((long) n * k)).ptr(gz).ptr(gradOut).ptr(logits)
                .ptr(rowStats).ptr(idx.ptr()).i32(n).i32(k).launch();
        cuda.release(idx);
        return gz;
    }
}
