package org.timetuner4j.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor as stored in a checkpoint file, converted to float32.
 *
 * @param dtype  the storage dtype code it was read from (e.g. {@code "F16"}), or the one it is meant
 *               for; {@link Safetensors#write} chooses the output dtype itself and ignores this field
 * @param shape  the dimensions, row-major; {@code []} is a scalar (one element)
 * @param values the elements in row-major order; {@code values.length} equals the product of
 *               {@code shape}. The array is <b>not</b> copied (weights can be hundreds of MB), so
 *               the record is only as immutable as its caller keeps it; {@code shape} is copied.
 */
public record TensorData(String dtype, int[] shape, float[] values) {

    public TensorData {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        shape = shape.clone();
        long n = numel(shape);
        if (n < 0) {
            throw new IllegalArgumentException("shape " + shapeString(shape)
                    + (hasNegative(shape) ? " has a negative dimension" : " has more than 2^31-1 elements"));
        }
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " has " + n
                    + " elements but " + values.length + " values were given");
        }
    }

    /** A float32 tensor. */
    public static TensorData f32(float[] values, int... shape) {
        return new TensorData("F32", shape, values);
    }

    /** A copy of the dimensions. */
    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** The number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i} (negative counts from the end). */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** The number of elements (1 for a scalar, 0 when a dimension is 0). */
    public int numel() {
        return values.length;
    }

    /** The shape as {@code [32, 3, 3, 3]} ({@code []} for a scalar). */
    public String shapeString() {
        return shapeString(shape);
    }

    /** Formats a shape as {@code [32, 3, 3, 3]}. */
    public static String shapeString(int[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * Product of the dimensions; -1 when a dimension is negative or the product exceeds
     * {@code Integer.MAX_VALUE - 8} (the largest Java array that is safe to allocate).
     */
    static long numel(int[] shape) {
        long n = 1;
        boolean zero = false;
        for (int d : shape) {
            if (d < 0) return -1;
            if (d == 0) zero = true;
        }
        if (zero) return 0;
        for (int d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE - 8) return -1;
        }
        return n;
    }

    private static boolean hasNegative(int[] shape) {
        for (int d : shape) if (d < 0) return true;
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && dtype.equals(t.dtype)
                && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return "TensorData[" + dtype + " " + shapeString() + "]";
    }
}
