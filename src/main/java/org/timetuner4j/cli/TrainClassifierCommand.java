package org.timetuner4j.cli;

import me.tongfei.progressbar.ProgressBar;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.metrics.DigitJudge;
import org.timetuner4j.io.DigitClassifierFile;
import org.timetuner4j.nn.DigitClassifier;
import org.timetuner4j.train.ClassifierSettings;
import org.timetuner4j.train.ClassifierTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** Trains the digit classifier used to judge generated digits and to measure Fréchet distances. */
@Command(name = "train-classifier", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the digit classifier (a small CNN on 28x28 digits) that classify and evaluate use.",
                "Cross-entropy and Adam (cosine-decayed learning rate), each training image shifted by up to --shift pixels.",
                "Prints the held-out accuracy after each epoch; writes OUT with it in the metadata.", ""})
final class TrainClassifierCommand implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--data", required = true, paramLabel = "D.safetensors",
            description = "Training images [N,1,28,28] and labels [N], e.g. data/mnist-train.safetensors.")
    Path data;

    @Option(names = "--heldout", required = true, paramLabel = "H.safetensors",
            description = "Held-out images and labels for the accuracy, e.g. data/mnist-heldout.safetensors.")
    Path heldout;

    @Option(names = "--out", required = true, paramLabel = "C.safetensors", description = "Classifier file to write.")
    Path out;

    @Option(names = "--epochs", defaultValue = "3", description = "Passes over the data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", defaultValue = "64", description = "Images per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam's peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--shift", defaultValue = "2", description = "Largest random shift in pixels, 0 = none (default: ${DEFAULT-VALUE}).")
    int shift;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Override public Integer call() throws Exception {
        common.apply();
        ClassifierSettings settings = new ClassifierSettings(epochs, batch, lr, seed, shift);
        OutputFiles.checkWritable(out, "--out");
        ImageSet train = ImageSet.read(data), test = ImageSet.read(heldout);
        if (!test.hasLabels()) throw new IllegalArgumentException(heldout + " has no labels");
        if (!java.util.Arrays.equals(test.sampleShape(), new int[] {1, DigitClassifier.SIZE, DigitClassifier.SIZE}))
            throw new IllegalArgumentException(heldout + ": the classifier takes [1, 28, 28] images, the held-out data has "
                    + java.util.Arrays.toString(test.sampleShape()));
        Backend be = Devices.select(device);
        ClassifierTrainer trainer = new ClassifierTrainer(train, settings, be);
        int[] all = new int[test.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        float[] testImages = test.gather(all);
        int[] testLabels = test.labels(all);
        System.err.printf(Locale.ROOT, "training %s: %,d parameters, %d images, %d steps per epoch, %d epochs%n",
                out.getFileName(), trainer.classifier().parameterCount(), train.size(), trainer.stepsPerEpoch(), epochs);
        long t0 = System.nanoTime();
        double accuracy = Double.NaN;
        try (ProgressLine line = new ProgressLine(System.err);  // closed after the bar: see ProgressLine
             ProgressBar bar = line.bar("training", trainer.totalSteps(), 500).build()) {
            double loss = 0;
            long correct = 0, seen = 0;
            while (trainer.step() < trainer.totalSteps()) {
                ClassifierTrainer.StepResult r = trainer.trainStep();
                loss += r.loss() * r.batch();
                correct += r.correct();
                seen += r.batch();
                bar.stepTo(trainer.step());
                bar.setExtraMessage(String.format(Locale.ROOT, "epoch %d  loss %.4f  train acc %.2f%%",
                        (trainer.step() - 1) / trainer.stepsPerEpoch() + 1, loss / seen, 100.0 * correct / seen));
                if (trainer.step() % trainer.stepsPerEpoch() == 0) {
                    accuracy = new DigitJudge(trainer.classifier(), 250).judge(testImages, test.size()).accuracy(testLabels);
                    bar.setExtraMessage(String.format(Locale.ROOT, "epoch %d  loss %.4f  train acc %.2f%%  held-out acc %.2f%%",
                            trainer.step() / trainer.stepsPerEpoch(), loss / seen, 100.0 * correct / seen, 100 * accuracy));
                    System.err.printf(Locale.ROOT, "%nepoch %d: train loss %.4f, train accuracy %.2f%%, held-out accuracy %.2f%%%n",
                            trainer.step() / trainer.stepsPerEpoch(), loss / seen, 100.0 * correct / seen, 100 * accuracy);
                    loss = 0;
                    correct = seen = 0;
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, String> md = new LinkedHashMap<>();
        md.put("heldout_accuracy", String.format(Locale.ROOT, "%.4f", accuracy));
        md.put("heldout_images", Integer.toString(test.size()));
        md.put("epochs", Integer.toString(epochs));
        md.put("batch", Integer.toString(batch));
        md.put("lr", Double.toString(lr));
        md.put("shift", Integer.toString(shift));
        md.put("seed", Long.toString(seed));
        md.put("train_images", Integer.toString(train.size()));
        md.put("data", data.getFileName().toString());
        md.put("training_seconds", String.format(Locale.ROOT, "%.1f", seconds));
        DigitClassifierFile.save(trainer.classifier(), out, md);
        System.out.printf(Locale.ROOT, "held-out accuracy %.2f%% (%d images); wrote %s in %.0f s%n",
                100 * accuracy, test.size(), out, seconds);
        return 0;
    }
}
