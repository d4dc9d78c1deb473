package org.timetuner4j.backend.cuda;

import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** Channel concatenation and slicing, nearest 2x upsampling and 2x2 average pooling, NCHW (resample.cu). */
final class CudaResample {
    private final CudaContext cuda;

    CudaResample(CudaContext cuda) { this.cuda = cuda; }

    private void copyChannels(Tensor dst, int dstOff, Tensor src, int srcOff, int count) {
        Shape d = dst.shape(), s = src.shape();
        int hw = s.numel() / (s.dim(0) * s.dim(1));
        cuda.kernel(Kernel.COPY_CHANNELS, LaunchConfig.elementwise((long) s.dim(0) * count * hw)).ptr(dst).i32(d.dim(1)).i32(dstOff)
                .ptr(src).i32(s.dim(1)).i32(srcOff).i32(count).i32(s.dim(0)).i32(hw).launch();
    }

    Tensor concatChannels(Tensor a, Tensor b) {
        cuda.require(a, b);
        Shape sa = a.shape(), sb = b.shape();
        if (sa.rank() != 4 || sb.rank() != 4 || sa.dim(0) != sb.dim(0) || sa.dim(2) != sb.dim(2) || sa.dim(3) != sb.dim(3))
            throw new IllegalArgumentException("cannot concatenate channels of " + sa + " and " + sb);
        Tensor out = cuda.alloc(sa.with(1, sa.dim(1) + sb.dim(1)));
        copyChannels(out, 0, a, 0, sa.dim(1));
        copyChannels(out, sa.dim(1), b, 0, sb.dim(1));
        return out;
    }

    Tensor sliceChannels(Tensor x, int start, int count) {
        cuda.require(x);
        Shape s = x.shape();
        if (start < 0 || count < 0 || start + count > s.dim(1))
            throw new IllegalArgumentException("channel slice [" + start + ", " + (start + count) + ") outside " + s);
        Tensor out = cuda.alloc(s.with(1, count));
        copyChannels(out, 0, x, start, count);
        return out;
    }

    Tensor upsampleNearest2x(Tensor x) {
        cuda.require(x);
        Shape s = x.shape();
        Tensor out = cuda.alloc(Shape.of(s.dim(0), s.dim(1), 2 * s.dim(2), 2 * s.dim(3)));
        cuda.kernel(Kernel.UPSAMPLE_NEAREST2X_FWD, LaunchConfig.elementwise(out.numel())).ptr(out).ptr(x)
                .i32(s.dim(0) * s.dim(1)).i32(s.dim(2)).i32(s.dim(3)).launch();
        return out;
    }

    Tensor upsampleNearest2xBackward(Tensor gradOut) {
        cuda.require(gradOut);
        Shape s = gradOut.shape();
        int h = s.dim(2) / 2, w = s.dim(3) / 2;
        Tensor out = cuda.alloc(Shape.of(s.dim(0), s.dim(1), h, w));
        cuda.kernel(Kernel.UPSAMPLE_NEAREST2X_BWD, LaunchConfig.elementwise(out.numel())).ptr(out).ptr(gradOut)
                .i32(s.dim(0) * s.dim(1)).i32(h).i32(w).launch();
        return out;
    }

    Tensor avgPool2x2(Tensor x) {
        cuda.require(x);
        Shape s = x.shape();
        Tensor out = cuda.alloc(Shape.of(s.dim(0), s.dim(1), s.dim(2) / 2, s.dim(3) / 2));
        cuda.kernel(Kernel.AVG_POOL2X2_FWD, LaunchConfig.elementwise(out.numel())).ptr(out).ptr(x)
                .i32(s.dim(0) * s.dim(1)).i32(s.dim(2)).i32(s.dim(3)).launch();
        return out;
    }

    Tensor avgPool2x2Backward(Tensor gradOut, Shape inputShape) {
        cuda.require(gradOut);
        Tensor out = cuda.alloc(inputShape);
        cuda.kernel(Kernel.AVG_POOL2X2_BWD, LaunchConfig.elementwise(out.numel())).ptr(out).ptr(gradOut)
                .i32(inputShape.dim(0) * inputShape.dim(1)).i32(inputShape.dim(2)).i32(inputShape.dim(3)).launch();
        return out;
    }
}
