package org.timetuner4j.backend.cuda;

import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.tensor.Shape;

/**
 * One convolution as cuDNN's legacy API describes it (NCHW input, OIHW weight, one stride for
 * both directions, one padding per axis, dilation 1), and the key under which
 * {@link CudnnConvolutions} caches its descriptors and algorithm choices.
 */
record CudnnConvProblem(int n, int ci, int h, int w, int co, int kh, int kw, int stride, int padH, int padW) {

    /**
     * Whether cuDNN can run this geometry: the padding is the same on both sides of each axis
     * (cuDNN has one pad per axis). The DDPM downsample's (0, 1, 0, 1) is not, and stays on our
     * kernels. Stride is one number and dilation is 1 in {@link Conv2dGeometry}, as cuDNN needs.
     */
    static boolean supports(Conv2dGeometry g) {
        return g.padTop() == g.padBottom() && g.padLeft() == g.padRight();
    }

    /**
     * The problem for input {@code x} and weight {@code w} under {@code g}, or null when cuDNN is
     * not to run it: an unsupported geometry, a shape that is not NCHW/OIHW with matching
     * channels, an empty tensor or output, or an output over 2³¹ elements.
     */
    static CudnnConvProblem of(Shape x, Shape w, Conv2dGeometry g) {
        if (!supports(g) || x.rank() != 4 || w.rank() != 4 || x.dim(1) != w.dim(1)) return null;
        CudnnConvProblem p = new CudnnConvProblem(x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3),
                g.stride(), g.padTop(), g.padLeft());
        if (p.n < 1 || p.ci < 1 || p.co < 1 || p.h + 2L * p.padH < p.kh || p.w + 2L * p.padW < p.kw || p.kh < 1 || p.kw < 1) return null;
        long out = (long) p.n * p.co * p.outHeight() * p.outWidth();
        if (out > Integer.MAX_VALUE) return null;
        return p;
    }

    int outHeight() { return (h + 2 * padH - kh) / stride + 1; }

    int outWidth() { return (w + 2 * padW - kw) / stride + 1; }

    Shape inputShape() { return Shape.of(n, ci, h, w); }

    Shape weightShape() { return Shape.of(co, ci, kh, kw); }

    Shape outputShape() { return Shape.of(n, co, outHeight(), outWidth()); }

    @Override public String toString() {
        return n + "x" + ci + "x" + h + "x" + w + " * " + co + "x" + ci + "x" + kh + "x" + kw + " stride " + stride + " pad " + padH + "," + padW;
    }
}
