package org.timetuner4j.backend.cuda;

import jcuda.driver.CUdeviceptr;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * 2-D convolution, NCHW input and OIHW weight: on cuDNN for the problems it takes (see
 * {@link CudnnConvolutions}), else on conv.cu.
 */
final class CudaConv2d {
    private final CudaContext cuda;
    private final CudnnConvolutions cudnn;  // null: conv.cu only
    private final int multiprocessors;

    CudaConv2d(CudaContext cuda, CudnnConvolutions cudnn, int multiprocessors) {
        this.cuda = cuda;
        this.cudnn = cudnn;
        this.multiprocessors = multiprocessors;
    }

    private record Dims(int n, int ci, int h, int w, int co, int kh, int kw, int ho, int wo, Conv2dGeometry g) {
        /** The twelve problem ints every conv.cu kernel takes after its pointers. */
        KernelArgs appendTo(KernelArgs args) {
            return args.i32(n).i32(ci).i32(h).i32(w).i32(co).i32(kh).i32(kw).i32(ho).i32(wo)
                    .i32(g.stride()).i32(g.padTop()).i32(g.padLeft());
        }
    }

    private static Dims dims(Shape x, Shape w, Conv2dGeometry g) {
        if (x.rank() != 4 || w.rank() != 4) throw new IllegalArgumentException("conv2d needs NCHW input and OIHW weight, got " + x + " and " + w);
        if (x.dim(1) != w.dim(1)) throw new IllegalArgumentException("conv2d: input " + x + " has " + x.dim(1) + " channels, weight " + w + " expects " + w.dim(1));
        int ho = g.outHeight(x.dim(2), w.dim(2)), wo = g.outWidth(x.dim(3), w.dim(3));
        if (ho <= 0 || wo <= 0) throw new IllegalArgumentException("conv2d: input " + x + " too small for kernel " + w);
        return new Dims(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), ho, wo, g);
    }

    Tensor forward(Tensor x, Tensor w, Tensor b, Conv2dGeometry g) {
        cuda.require(x, w, b);
        Dims d = dims(x.shape(), w.shape(), g);
        Tensor out = cuda.alloc(Shape.of(d.n(), d.co(), d.ho(), d.wo()));
        if (cudnn != null && cudnn.forward(cuda.ptr(out), cuda.ptr(x), cuda.ptr(w), cuda.ptr(b), x.shape(), w.shape(), g)) return out;
        d.appendTo(cuda.kernel(Kernel.CONV2D_FWD, LaunchConfig.tiles(d.co(), (long) d.n() * d.ho() * d.wo(), 1))
                .ptr(out).ptr(x).ptr(w).ptr(b)).launch();
        return out;
    }

    Tensor backwardInput(Tensor gradOut, Tensor w, Conv2dGeometry g, Shape inputShape) {
        cuda.require(gradOut, w);
        Dims d = dims(inputShape, w.shape(), g);
        Tensor gx = cuda.alloc(inputShape);
        if (cudnn != null && cudnn.backwardData(cuda.ptr(gx), cuda.ptr(gradOut), cuda.ptr(w), inputShape, gradOut.shape(), w.shape(), g))
            return gx;
        d.appendTo(cuda.kernel(Kernel.CONV2D_BWD_INPUT, LaunchConfig.tiles(d.ci(), (long) d.n() * d.h() * d.w(), 1))
                .ptr(gx).ptr(gradOut).ptr(w)).launch();
        return gx;
    }

    Tensor backwardWeight(Tensor x, Tensor gradOut, Conv2dGeometry g, Shape weightShape) {
        cuda.require(x, gradOut);
        Dims d = dims(x.shape(), weightShape, g);
        int k = d.ci() * d.kh() * d.kw();
        long positions = (long) d.n() * d.ho() * d.wo();
        Tensor gw = cuda.alloc(weightShape);
        if (cudnn != null && cudnn.backwardFilter(cuda.ptr(gw), cuda.ptr(x), cuda.ptr(gradOut), x.shape(), gradOut.shape(), weightShape, g))
            return gw;
        LaunchConfig.Split split = LaunchConfig.weightGradSplit(d.co(), k, positions, multiprocessors);
        Launch tiles = LaunchConfig.tiles(d.co(), k, split.splits());
        if (split.splits() == 1) {
            d.appendTo(cuda.kernel(Kernel.CONV2D_BWD_WEIGHT, tiles).ptr(gw).ptr(x).ptr(gradOut).i32(split.chunk())).launch();
        } else {
            CachingAllocator.Block<CUdeviceptr> part = cuda.scratch(4L * split.splits() * weightShape.numel());
            d.appendTo(cuda.kernel(Kernel.CONV2D_BWD_WEIGHT, tiles).ptr(part.ptr()).ptr(x).ptr(gradOut).i32(split.chunk())).launch();
            cuda.kernel(Kernel.CONV2D_BWD_WEIGHT_SUM, LaunchConfig.elementwise(weightShape.numel())).ptr(gw).ptr(part.ptr())
                    .i32(split.splits()).i32(weightShape.numel()).launch();
            cuda.release(part);
        }
        return gw;
    }

    Tensor backwardBias(Tensor gradOut) {
        cuda.require(gradOut);
        CudaContext.requireRank(gradOut, 4, "conv2d output gradient");
        Shape s = gradOut.shape();
        Tensor gb = cuda.alloc(Shape.of(s.dim(1)));
        cuda.kernel(Kernel.CONV2D_BWD_BIAS, LaunchConfig.perRow(s.dim(1))).ptr(gb).ptr(gradOut)
                .i32(s.dim(0)).i32(s.dim(1)).i32(s.dim(2) * s.dim(3)).launch();
        return gb;
    }
}
