package org.timetuner4j.tensor;

import java.util.Arrays;

/** An immutable tensor shape (row-major, last index fastest). Rank 0 is a scalar. */
public final class Shape {
    private final int[] dims;
    private final int numel;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("shape too large: " + Arrays.toString(dims));
        }
        this.dims = dims;
        this.numel = (int) n;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public static Shape scalar() {
        return new Shape(new int[0]);
    }

    public int rank() { return dims.length; }

    public int dim(int i) { return dims[i < 0 ? dims.length + i : i]; }

    public int numel() { return numel; }

    public int[] dims() { return dims.clone(); }

    /** Number of elements after dimension {@code i} (the stride of dimension i). */
    public int stride(int i) {
        int s = 1;
        for (int k = i + 1; k < dims.length; k++) s *= dims[k];
        return s;
    }

    /** Shape with dimension {@code i} replaced. */
    public Shape with(int i, int value) {
        int[] d = dims.clone();
        d[i] = value;
        return new Shape(d);
    }

    @Override public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() { return Arrays.toString(dims); }
}
