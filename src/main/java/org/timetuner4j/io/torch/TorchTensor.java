package org.timetuner4j.io.torch;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A tensor from a checkpoint, not yet read: a strided view of a {@link StorageRef}, exactly as
 * {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)} describes it.
 * Element (i_0, ..., i_{d-1}) is storage element {@code offset + Σ i_k·stride_k}. Construction
 * checks that every element lies inside the storage, so reading can never go out of bounds.
 */
public final class TorchTensor {
    /** Most dimensions accepted. */
    public static final int MAX_DIMS = 8;
    /**
     * How many more elements than its storage a tensor may have (only stride-0, i.e. expanded,
     * tensors can): enough for an expanded bias, too little to blow up memory.
     */
    public static final long MAX_EXPANSION = 1 << 16;

    private final StorageRef storage;
    private final long offset;
    private final int[] size;
    private final long[] stride;
    private final int numel;

    private TorchTensor(StorageRef storage, long offset, int[] size, long[] stride, int numel) {
        this.storage = storage;
        this.offset = offset;
        this.size = size;
        this.stride = stride;
        this.numel = numel;
    }

    /**
     * A validated view.
     *
     * @param where prefix for error messages (file and pickle offset)
     * @throws TorchFormatException if a size or stride is negative or too large, or an element
     *                              would lie outside the storage
     */
    static TorchTensor of(StorageRef storage, long offset, long[] size, long[] stride, String where)
            throws TorchFormatException {
        if (size.length != stride.length) {
            throw new TorchFormatException(where + "tensor has " + size.length + " sizes but " + stride.length + " strides");
        }
        if (size.length > MAX_DIMS) {
            throw new TorchFormatException(where + "tensor has " + size.length + " dimensions (at most " + MAX_DIMS + " accepted)");
        }
        if (offset < 0) throw new TorchFormatException(where + "tensor has a negative storage offset " + offset);
        long n = 1;
        boolean empty = false;
        int[] s = new int[size.length];
        for (int d = 0; d < size.length; d++) {
            if (size[d] < 0 || stride[d] < 0) {
                throw new TorchFormatException(where + "tensor has a negative size or stride (size "
                        + Arrays.toString(size) + ", stride " + Arrays.toString(stride) + ")");
            }
            if (size[d] > Integer.MAX_VALUE - 8) {
                throw new TorchFormatException(where + "tensor dimension " + d + " is " + size[d] + ", too large");
            }
            s[d] = (int) size[d];
            if (size[d] == 0) empty = true;
        }
        if (!empty) {
            long last = offset;
            try {
                for (int d = 0; d < size.length; d++) {
                    n = Math.multiplyExact(n, size[d]);
                    last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
                }
            } catch (ArithmeticException e) {
                throw new TorchFormatException(where + "tensor of size " + Arrays.toString(size) + " and stride "
                        + Arrays.toString(stride) + " overflows 64-bit indexing");
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new TorchFormatException(where + "tensor of size " + Arrays.toString(size) + " has " + n
                        + " elements, more than a Java array holds");
            }
            if (last >= storage.numel()) {
                throw new TorchFormatException(where + "tensor (offset " + offset + ", size " + Arrays.toString(size)
                        + ", stride " + Arrays.toString(stride) + ") reaches element " + last + " of " + storage
                        + ": out of bounds");
            }
            if (n > storage.numel() + MAX_EXPANSION) {
                throw new TorchFormatException(where + "tensor of size " + Arrays.toString(size) + " expands " + storage
                        + " to " + n + " elements; refusing so large an expansion");
            }
        } else {
            n = 0;
        }
        return new TorchTensor(storage, offset, s, stride.clone(), (int) n);
    }

    public StorageRef storage() {
        return storage;
    }

    /** Storage offset in elements (relative to {@link #storage()}). */
    public long offset() {
        return offset;
    }

    public int[] shape() {
        return size.clone();
    }

    public long[] stride() {
        return stride.clone();
    }

    public int numel() {
        return numel;
    }

    /** The safetensors dtype code of the stored elements, e.g. {@code F32}. */
    public String dtype() {
        return storage.type().dtype;
    }

    /** True when the elements are stored row-major without gaps. */
    public boolean isContiguous() {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) return false;
            expected *= size[d];
        }
        return true;
    }

    /**
     * The elements in row-major order, converted to float32.
     *
     * @param root the bytes of the whole stored storage (element 0 at index 0, byte order set)
     */
    float[] gather(ByteBuffer root) {
        float[] out = new float[numel];
        if (numel == 0) return out;
        StorageType type = storage.type();
        long base = storage.offset() + offset;
        if (isContiguous()) {
            int start = (int) base;
            if (type == StorageType.FLOAT) {
                root.duplicate().order(root.order()).position(start * 4).limit((start + numel) * 4)
                        .slice().order(root.order()).asFloatBuffer().get(out);
            } else {
                for (int i = 0; i < numel; i++) out[i] = type.get(root, start + i);
            }
            return out;
        }
        int dims = size.length;
        int[] idx = new int[dims];
        int last = dims - 1;
        int inner = size[last];
        long innerStride = stride[last];
        long rowStart = base;
        int o = 0;
        while (o < numel) {
            long at = rowStart;
            for (int i = 0; i < inner; i++, at += innerStride) out[o++] = type.get(root, (int) at);
            // advance the outer index (odometer), keeping rowStart = base + Σ_{k<last} idx_k·stride_k
            int d = last - 1;
            while (d >= 0) {
                idx[d]++;
                rowStart += stride[d];
                if (idx[d] < size[d]) break;
                rowStart -= (long) idx[d] * stride[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) break;
        }
        return out;
    }

    @Override
    public String toString() {
        return "tensor " + Arrays.toString(size) + " " + dtype();
    }
}
