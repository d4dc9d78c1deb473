package org.timetuner4j.backend;

/**
 * Stride and zero padding of a 2-D convolution; padding may differ per side (the DDPM
 * downsample pads only right and bottom).
 */
public record Conv2dGeometry(int stride, int padTop, int padBottom, int padLeft, int padRight) {

    public Conv2dGeometry {
        if (stride < 1) throw new IllegalArgumentException("stride must be >= 1");
        if (padTop < 0 || padBottom < 0 || padLeft < 0 || padRight < 0)
            throw new IllegalArgumentException("padding must be >= 0");
    }

    /** Symmetric padding {@code pad} on every side. */
    public static Conv2dGeometry of(int stride, int pad) {
        return new Conv2dGeometry(stride, pad, pad, pad, pad);
    }

    public int outHeight(int inHeight, int kernel) {
        return (inHeight + padTop + padBottom - kernel) / stride + 1;
    }

    public int outWidth(int inWidth, int kernel) {
        return (inWidth + padLeft + padRight - kernel) / stride + 1;
    }
}
