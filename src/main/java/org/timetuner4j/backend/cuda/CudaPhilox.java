package org.timetuner4j.backend.cuda;

import jcuda.driver.CUdeviceptr;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Counter-based random numbers, the same Philox streams as the CPU backend's {@code Philox} (philox.cu). */
final class CudaPhilox {
    private final CudaContext cuda;

    CudaPhilox(CudaContext cuda) { this.cuda = cuda; }

    Tensor randn(Shape shape, long seed, long offset) {
        Tensor out = cuda.alloc(shape);
        cuda.kernel(Kernel.PHILOX_RANDN, LaunchConfig.elementwise(shape.numel())).ptr(out).i32(shape.numel()).i64(seed)
                .i64(offset).launch();
        return out;
    }

    Tensor randnRows(Shape shape, long seed, long[] offsets) {
        int rows = shape.dim(0), d = shape.numel() / rows;
        if (offsets.length != rows) throw new IllegalArgumentException(offsets.length + " offsets for " + rows + " rows");
        Tensor out = cuda.alloc(shape);
        if (shape.numel() == 0) return out;
        CachingAllocator.Block<CUdeviceptr> offs = cuda.uploadLongs(offsets);
        cuda.kernel(Kernel.PHILOX_RANDN_ROWS, LaunchConfig.elementwise(shape.numel())).ptr(out).i32(rows).i32(d).i64(seed)
                .ptr(offs.ptr()).launch();
        cuda.release(offs);
        return out;
    }

    Tensor rand(Shape shape, long seed, long offset) {
        Tensor out = cuda.alloc(shape);
        cuda.kernel(Kernel.PHILOX_RAND, LaunchConfig.elementwise(shape.numel())).ptr(out).i32(shape.numel()).i64(seed)
                .i64(offset).launch();
        return out;
    }

    Tensor dropoutMask(Shape shape, float p, long seed, long offset) {
        Tensor out = cuda.alloc(shape);
        float keep = 1f / (1f - p);
        cuda.kernel(Kernel.PHILOX_DROPOUT_MASK, LaunchConfig.elementwise(shape.numel())).ptr(out).i32(shape.numel()).f32(p).f32(keep)
                .i64(seed).i64(offset).launch();
        return out;
    }
}
