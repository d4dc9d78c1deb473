package org.timetuner4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A finite set of images in [−1, 1] with an optional class label per image, held in memory.
 * Read from a {@code .safetensors} file with {@code images} [N,C,H,W] — U8 pixels 0…255, or
 * floats already in [−1, 1] — and optionally {@code labels} [N] (integers ≥ 0), by the same
 * reader as the tuner's data ({@link SafetensorsImages}).
 */
public final class LabeledImages {
    private final float[] images;
    private final int[] labels;
    private final int count;
    private final int[] sampleShape;

    public LabeledImages(float[] images, int[] labels, int count, int[] sampleShape) {
        int d = sampleShape[0] * sampleShape[1] * sampleShape[2];
        if (images.length != (long) count * d)
            throw new IllegalArgumentException(images.length + " values are not " + count + " images of " + Arrays.toString(sampleShape));
        if (labels != null && labels.length != count)
            throw new IllegalArgumentException(labels.length + " labels for " + count + " images");
        this.images = images;
        this.labels = labels;
        this.count = count;
        this.sampleShape = sampleShape.clone();
    }

    /** Reads a {@code .safetensors} data file (see {@link SafetensorsImages}). */
    public static LabeledImages read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("data file not found: " + path);
        ImageSet set = SafetensorsImages.read(path);
        int[] all = new int[set.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return new LabeledImages(set.gather(all), set.labels(), set.size(), set.sampleShape());
    }

    public int count() { return count; }

    public int[] sampleShape() { return sampleShape.clone(); }

    public boolean hasLabels() { return labels != null; }

    /** Number of classes (largest label + 1), 0 without labels. */
    public int numClasses() {
        if (labels == null) return 0;
        int max = -1;
        for (int l : labels) max = Math.max(max, l);
        return max + 1;
    }

    public int label(int index) { return labels[index]; }

    /** The images at {@code indices}, one after another. */
    public float[] gather(int[] indices) {
        int d = sampleShape[0] * sampleShape[1] * sampleShape[2];
        float[] out = new float[indices.length * d];
        for (int k = 0; k < indices.length; k++) System.arraycopy(images, indices[k] * d, out, k * d, d);
        return out;
    }

    /** The labels at {@code indices} (null without labels). */
    public int[] labels(int[] indices) {
        if (labels == null) return null;
        int[] out = new int[indices.length];
        for (int k = 0; k < indices.length; k++) out[k] = labels[indices[k]];
        return out;
    }
}
