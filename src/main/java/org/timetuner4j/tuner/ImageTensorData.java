package org.timetuner4j.tuner;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.Random;

/** A finite set of images [N, C, H, W] held on the host, shuffled per epoch. */
public final class ImageTensorData implements TrainingData {
    private final float[] images;
    private final int n;
    private final int[] shape;

    public ImageTensorData(float[] images, int n, int[] shape) {
        if (images.length != (long) n * shape[0] * shape[1] * shape[2])
            throw new IllegalArgumentException("image data does not fill " + n + " images of " + java.util.Arrays.toString(shape));
        if (n < 1) throw new IllegalArgumentException("the data set is empty");
        this.images = images;
        this.n = n;
        this.shape = shape.clone();
    }

    @Override public int size() { return n; }

    @Override public int[] sampleShape() { return shape.clone(); }

    private int[] order(long epochSeed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Random r = new Random(epochSeed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = p[i]; p[i] = p[j]; p[j] = tmp;
        }
        return p;
    }

    @Override public Tensor batch(Backend be, long epochSeed, int index, int batchSize) {
        int start = index * batchSize;
        if (start >= n) return null;
        int b = Math.min(batchSize, n - start);
        int d = shape[0] * shape[1] * shape[2];
        int[] p = order(epochSeed);
        float[] out = new float[b * d];
        for (int k = 0; k < b; k++) System.arraycopy(images, p[start + k] * d, out, k * d, d);
        return be.fromHost(out, Shape.of(b, shape[0], shape[1], shape[2]));
    }
}
