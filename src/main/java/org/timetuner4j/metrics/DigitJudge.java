package org.timetuner4j.metrics;

import org.timetuner4j.nn.DigitClassifier;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * Runs a {@link DigitClassifier} over many images in batches: the predicted class and its
 * softmax probability per image, or the 128-d features (for a Fréchet distance).
 */
public final class DigitJudge {
    /** The class and the softmax probability of that class, per image. */
    public record Judgement(int[] predicted, float[] confidence) {
        /** Images per predicted class, [10]. */
        public int[] histogram() {
            int[] h = new int[DigitClassifier.CLASSES];
            for (int p : predicted) h[p]++;
            return h;
        }

        /** Mean over the images of the largest class probability. */
        public double meanConfidence() {
            double s = 0;
            for (float c : confidence) s += c;
            return s / confidence.length;
        }

        /** Fraction of images predicted as {@code label}. */
        public double accuracy(int label) {
            return histogram()[label] / (double) predicted.length;
        }

        /** Fraction of images whose prediction equals its label. */
        public double accuracy(int[] labels) {
            if (labels.length != predicted.length) throw new IllegalArgumentException(labels.length + " labels for " + predicted.length + " images");
            int c = 0;
            for (int i = 0; i < labels.length; i++) if (labels[i] == predicted[i]) c++;
            return c / (double) labels.length;
        }
    }

    private static final int PIXELS = DigitClassifier.SIZE * DigitClassifier.SIZE;
    private final DigitClassifier net;
    private final int batch;

    public DigitJudge(DigitClassifier net, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        this.net = net;
        this.batch = batch;
    }

    /** Classifies {@code count} images [count,1,28,28] in [−1, 1] laid out one after another. */
    public Judgement judge(float[] images, int count) {
        check(images, count);
        int[] predicted = new int[count];
        float[] confidence = new float[count];
        for (int from = 0; from < count; from += batch) {
            int n = Math.min(batch, count - from);
            float[] z;
            try (Scope s = Scope.open()) {
                z = net.logits(slice(images, from, n)).toArray();
            }
            int k = z.length / n;
            for (int r = 0; r < n; r++) {
                int best = 0;
                for (int j = 1; j < k; j++) if (z[r * k + j] > z[r * k + best]) best = j;
                double sum = 0;
                for (int j = 0; j < k; j++) sum += Math.exp((double) z[r * k + j] - z[r * k + best]);
                predicted[from + r] = best;
                confidence[from + r] = (float) (1 / sum);
            }
        }
        return new Judgement(predicted, confidence);
    }

    /** The classifier's 128-d features of each image, [count·128]. */
    public float[] features(float[] images, int count) {
        check(images, count);
        float[] out = new float[count * DigitClassifier.FEATURES];
        for (int from = 0; from < count; from += batch) {
            int n = Math.min(batch, count - from);
            try (Scope s = Scope.open()) {
                float[] f = net.features(slice(images, from, n)).toArray();
                System.arraycopy(f, 0, out, from * DigitClassifier.FEATURES, f.length);
            }
        }
        return out;
    }

    private static void check(float[] images, int count) {
        if (count < 1) throw new IllegalArgumentException("no images to classify");
        if (images.length != count * PIXELS)
            throw new IllegalArgumentException(images.length + " values are not " + count + " images of [1, 28, 28]");
    }

    private Tensor slice(float[] images, int from, int n) {
        float[] part = java.util.Arrays.copyOfRange(images, from * PIXELS, (from + n) * PIXELS);
        return net.backend().fromHost(part, Shape.of(n, 1, DigitClassifier.SIZE, DigitClassifier.SIZE));
    }
}
