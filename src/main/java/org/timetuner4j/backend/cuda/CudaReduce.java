package org.timetuner4j.backend.cuda;

import jcuda.driver.CUdeviceptr;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Whole-tensor sums (of values or of squares) in two passes: per-block partial sums, then one block (reduce.cu). */
final class CudaReduce {
    private final CudaContext cuda;

    CudaReduce(CudaContext cuda) { this.cuda = cuda; }

    Tensor sum(Tensor x) { return reduce(x, 0); }

    Tensor sumOfSquares(Tensor x) { return reduce(x, 1); }

    private Tensor reduce(Tensor x, int square) {
        cuda.require(x);
        Tensor out = cuda.alloc(Shape.scalar());
        int blocks = LaunchConfig.reduceBlocks(x.numel());
        CachingAllocator.Block<CUdeviceptr> partial = cuda.scratch(8L * blocks);
        if (x.numel() == 0) {
            cuda.zeroWords(partial.ptr(), 2L * blocks);
        } else {
            cuda.kernel(Kernel.REDUCE_PARTIAL, new Launch(blocks, 1, 1, LaunchConfig.THREADS)).ptr(partial.ptr()).ptr(x)
                    .i32(x.numel()).i32(square).launch();
        }
        cuda.kernel(Kernel.REDUCE_FINISH, new Launch(1, 1, 1, LaunchConfig.THREADS)).ptr(out).ptr(partial.ptr()).i32(blocks).launch();
        cuda.release(partial);
        return out;
    }
}
