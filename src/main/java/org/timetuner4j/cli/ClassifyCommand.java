package org.timetuner4j.cli;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.metrics.DigitJudge;
import org.timetuner4j.io.DigitClassifierFile;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.nn.DigitClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** Judges digits (generated or real) with the digit classifier: class histogram, confidence, accuracy. */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classify 28x28 digits with the digit classifier: class histogram, confidence, accuracy.",
                "Prints the class histogram, the mean max-probability and, with --expect-label or labels in",
                "the file, the accuracy (a sample file drawn with --class-label carries its labels).",
                "Input: a file from `sample --samples-out` (tensor 'samples', clamped to [-1,1] as the PNG",
                "shows them) or a data file (tensor 'images', optional 'labels').", ""})
final class ClassifyCommand implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--classifier", paramLabel = "C.safetensors",
            description = "Classifier file (default: the shipped " + ShippedModel.CLASSIFIER + ").")
    Path classifier;

    @Option(names = "--input", required = true, paramLabel = "IN.safetensors", description = "Images to classify.")
    Path input;

    @Option(names = "--expect-label", paramLabel = "L", description = "Print the fraction classified as L (0..9).")
    Integer expectLabel;

    @Option(names = "--batch", defaultValue = "250", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Override public Integer call() throws Exception {
        common.apply();
        if (expectLabel != null && (expectLabel < 0 || expectLabel >= DigitClassifier.CLASSES))
            throw new IllegalArgumentException("--expect-label must be in 0..9, got " + expectLabel);
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        if (Files.isDirectory(input)) throw new java.io.IOException("--input " + input + " is a directory, not a file");
        if (!Files.isRegularFile(input)) throw new java.io.IOException("input file not found: " + input);
        Backend be = Devices.select(device);
        if (classifier == null) classifier = ShippedModel.require(ShippedModel.CLASSIFIER, "--classifier", "--classifier C.safetensors");
        DigitClassifier net = DigitClassifierFile.load(classifier, be);
        String accuracyNote = DigitClassifierFile.metadata(classifier).get("heldout_accuracy");

        float[] images;
        int count;
        int[] labels = null;
        SafetensorsFile f = Safetensors.read(input);
        TensorData samples = f.tensors().get("samples");
        if (samples != null) {
            requireDigits(samples.shape(), "samples");
            images = samples.values().clone();
            count = samples.dim(0);
            int pixels = images.length / count, broken = 0;
            for (int k = 0; k < count; k++) {
                boolean nan = false;
                for (int i = k * pixels; i < (k + 1) * pixels; i++) {
                    nan |= Float.isNaN(images[i]);
                    images[i] = Math.max(-1f, Math.min(1f, images[i]));
                }
                if (nan) broken++;
            }
            ClassLabels drawn = ClassLabels.recorded(f.metadata());  // the labels `sample` drew them with, if any
            if (drawn != null) labels = drawn.perSample(count);
            // a NaN has no class; counting it as one would hide a diverged sampler
            if (broken > 0) throw new IllegalArgumentException(input + ": " + broken + " of " + count + " samples contain NaN");
        } else if (f.tensors().containsKey("images")) {
            ImageSet d = ImageSet.read(input);
            requireDigits(new int[] {d.size(), d.sampleShape()[0], d.sampleShape()[1], d.sampleShape()[2]}, "images");
            int[] all = new int[d.size()];
            for (int i = 0; i < all.length; i++) all[i] = i;
            images = d.gather(all);
            labels = d.labels(all);
            count = d.size();
            if (labels != null)
                for (int i = 0; i < count; i++)
                    if (labels[i] < 0 || labels[i] >= DigitClassifier.CLASSES)
                        throw new IllegalArgumentException(input + ": label " + labels[i] + " of image " + i + " is not a digit class (0..9)");
        } else {
            throw new IllegalArgumentException(input + " has neither a 'samples' nor an 'images' tensor");
        }

        DigitJudge.Judgement j = new DigitJudge(net, batch).judge(images, count);
        System.out.printf(Locale.ROOT, "%d images, classifier %s%s%n", count, classifier.getFileName(),
                accuracyNote == null ? "" : " (held-out accuracy " + accuracyNote + ")");
        System.out.println("class  count  share");
        int[] h = j.histogram();
        for (int c = 0; c < h.length; c++) System.out.printf(Locale.ROOT, "%5d  %5d  %5.1f%%%n", c, h[c], 100.0 * h[c] / count);
        System.out.printf(Locale.ROOT, "mean max-probability %.4f%n", j.meanConfidence());
        if (expectLabel != null)
            System.out.printf(Locale.ROOT, "accuracy (label %d) %.4f%n", expectLabel, j.accuracy(expectLabel));
        else if (labels != null)
            System.out.printf(Locale.ROOT, "accuracy (the file's labels) %.4f%n", j.accuracy(labels));
        return 0;
    }

    private void requireDigits(int[] shape, String name) {
        if (shape.length != 4 || shape[0] < 1 || shape[1] != 1 || shape[2] != DigitClassifier.SIZE || shape[3] != DigitClassifier.SIZE)
            throw new IllegalArgumentException(input + ": '" + name + "' must be [N,1,28,28] with N >= 1, got "
                    + TensorData.shapeString(shape));
    }
}
