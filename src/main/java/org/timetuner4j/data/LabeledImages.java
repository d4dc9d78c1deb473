package org.timetuner4j.data;

import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A finite set of images in [−1, 1] with an optional class label per image, held in memory.
 * Read from a {@code .safetensors} file with {@code images} [N,C,H,W] — U8 pixels 0…255, or
 * floats already in [−1, 1] — and optionally {@code labels} [N] (integers ≥ 0).
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

    public static LabeledImages read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new IOException("data file not found: " + path);
        SafetensorsFile f = Safetensors.read(path);
        TensorData img = f.tensors().get("images");
        if (img == null) throw new IllegalArgumentException(path + " has no tensor named 'images'");
        if (img.rank() != 4) throw new IllegalArgumentException(path + ": images must be [N,C,H,W], got " + img.shapeString());
        float[] v = img.values().clone();
        if (img.dtype().equals("U8")) {
            for (int i = 0; i < v.length; i++) v[i] = v[i] / 127.5f - 1f;
        } else {
            for (float x : v)
                if (!(x >= -1.0001f && x <= 1.0001f))
                    throw new IllegalArgumentException(path + ": float images must lie in [-1, 1], found " + x);
        }
        int[] labels = null;
        TensorData lab = f.tensors().get("labels");
        if (lab != null) {
            if (lab.rank() != 1 || lab.dim(0) != img.dim(0))
                throw new IllegalArgumentException(path + ": labels must be [" + img.dim(0) + "], got " + lab.shapeString());
            labels = new int[lab.dim(0)];
            for (int i = 0; i < labels.length; i++) {
                float x = lab.values()[i];
                if (x != Math.rint(x) || x < 0) throw new IllegalArgumentException(path + ": label " + i + " is " + x + ", not an integer >= 0");
                labels[i] = (int) x;
            }
        }
        return new LabeledImages(v, labels, img.dim(0), Arrays.copyOfRange(img.shape(), 1, 4));
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
