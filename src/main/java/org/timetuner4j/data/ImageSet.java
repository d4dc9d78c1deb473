package org.timetuner4j.data;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.Arrays;

/** A finite set of images [N, C, H, W] in [−1, 1] held on the host, with optional class labels. */
public final class ImageSet implements DataSet {
    private final float[] images;
    private final int n;
    private final int[] shape;
    private final int[] labels;

    /**
     * @param labels one class label (≥ 0) per image, or null
     */
    public ImageSet(float[] images, int n, int[] shape, int[] labels) {
        if (n < 1) throw new IllegalArgumentException("the data set is empty");
        if (images.length != (long) n * shape[0] * shape[1] * shape[2])
            throw new IllegalArgumentException("image data does not fill " + n + " images of " + Arrays.toString(shape));
        if (labels != null && labels.length != n)
            throw new IllegalArgumentException(labels.length + " labels for " + n + " images");
        this.images = images;
        this.n = n;
        this.shape = shape.clone();
        this.labels = labels == null ? null : labels.clone();
    }

    @Override public int size() { return n; }

    @Override public int[] sampleShape() { return shape.clone(); }

    @Override public int[] labels() { return labels == null ? null : labels.clone(); }

    /** Reads a {@code .safetensors} data file (see {@link SafetensorsImages}). */
    public static ImageSet read(java.nio.file.Path path) throws java.io.IOException {
        if (!java.nio.file.Files.isRegularFile(path)) throw new java.io.IOException("data file not found: " + path);
        return SafetensorsImages.read(path);
    }

    public boolean hasLabels() { return labels != null; }

    /** Number of classes (largest label + 1), 0 without labels. */
    public int numClasses() {
        if (labels == null) return 0;
        int max = -1;
        for (int l : labels) max = Math.max(max, l);
        return max + 1;
    }

    public int label(int index) { return labels[index]; }

    /** The labels at {@code indices} (null without labels). */
    public int[] labels(int[] indices) {
        if (labels == null) return null;
        int[] out = new int[indices.length];
        for (int k = 0; k < indices.length; k++) out[k] = labels[indices[k]];
        return out;
    }

    @Override public Tensor images(Backend be, int[] indices) {
        return be.fromHost(gather(indices), Shape.of(indices.length, shape[0], shape[1], shape[2]));
    }

    /** The images at {@code indices}, one after another, on the host. */
    public float[] gather(int[] indices) {
        int d = shape[0] * shape[1] * shape[2];
        float[] out = new float[indices.length * d];
        for (int k = 0; k < indices.length; k++) {
            if (indices[k] < 0 || indices[k] >= n) throw new IndexOutOfBoundsException("image " + indices[k] + " of " + n);
            System.arraycopy(images, indices[k] * d, out, k * d, d);
        }
        return out;
    }

    @Override public Tensor batch(Backend be, long epochSeed, int index, int batchSize) {
        int batches = batchesPerEpoch(batchSize);
        if (index < 0 || index >= batches)
            throw new IndexOutOfBoundsException("batch " + index + " of an epoch of " + batches);
        int[] order = Shuffle.permutation(n, epochSeed);
        return images(be, Arrays.copyOfRange(order, index * batchSize, (index + 1) * batchSize));
    }
}
