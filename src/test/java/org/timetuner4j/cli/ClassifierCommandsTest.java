package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.io.DigitClassifierFile;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.nn.DigitClassifier;
import org.timetuner4j.testing.CliRun;
import org.timetuner4j.testing.RawSafetensors;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.timetuner4j.testing.CliRun.assertError;

/** `classify` and `train-classifier` from the command line, and their one-line errors. */
class ClassifierCommandsTest {
    @TempDir Path tmp;
    static final String CLASSIFIER = "weights/digit-classifier.safetensors", HELDOUT = "data/mnist-heldout.safetensors";

    /** The held-out digits of one class written as `sample --samples-out` writes samples, scaled by 1.5 (so some leave [-1, 1]). */
    private Path samplesOfClass(int label) throws Exception {
        ImageSet d = ImageSet.read(Path.of(HELDOUT));
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) if (d.label(i) == label) idx.add(i);
        float[] x = d.gather(idx.stream().mapToInt(Integer::intValue).toArray());
        for (int i = 0; i < x.length; i++) x[i] *= 1.5f;
        Path p = tmp.resolve("samples-" + label + ".safetensors");
        Safetensors.write(p, Map.of("samples", TensorData.f32(x, idx.size(), 1, 28, 28)), Map.of(), "F32");
        return p;
    }

    private static double number(String out, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + "\\s+([0-9.]+)").matcher(out);
        assertTrue(m.find(), label + " in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    @Test void classifiesSamplesAgainstAnExpectedLabel() throws Exception {
        Object[] r = CliRun.runCapturingStdout("classify", "--classifier", CLASSIFIER, "--input", samplesOfClass(7).toString(),
                "--expect-label", "7", "--threads", "1");
        assertEquals(0, r[0], (String) r[1]);
        String out = (String) r[2];
        assertTrue(out.startsWith("100 images"), out);
        assertTrue(number(out, "accuracy (label 7)") >= 0.95, out);
        assertTrue(number(out, "mean max-probability") > 0.5, out);
        Matcher row = Pattern.compile("(?m)^\\s+7\\s+(\\d+)\\s").matcher(out);
        assertTrue(row.find() && Integer.parseInt(row.group(1)) >= 95, out);
    }

    /** A file from `sample --class-label all` carries its labels in its metadata: row c holds class c. */
    @Test void classifiesARowPerClassSampleFileAgainstItsRows() throws Exception {
        ImageSet d = ImageSet.read(Path.of(HELDOUT));
        for (boolean inOrder : new boolean[] {true, false}) {
            List<Integer> idx = new ArrayList<>();
            for (int row = 0; row < 10; row++) {
                int c = inOrder ? row : 9 - row, found = 0;
                for (int i = 0; i < d.size() && found < 3; i++) if (d.label(i) == c) { idx.add(i); found++; }
            }
            float[] x = d.gather(idx.stream().mapToInt(Integer::intValue).toArray());
            Path p = tmp.resolve("rows-" + inOrder + ".safetensors");
            Safetensors.write(p, Map.of("samples", TensorData.f32(x, 30, 1, 28, 28)), Map.of("class_label", "all", "num_classes", "10"), "F32");
            Object[] r = CliRun.runCapturingStdout("classify", "--classifier", CLASSIFIER, "--input", p.toString(), "--threads", "1");
            assertEquals(0, r[0], (String) r[1]);
            double accuracy = number((String) r[2], "accuracy (the file's labels)");
            assertTrue(inOrder ? accuracy >= 0.9 : accuracy <= 0.1, inOrder + ": " + r[2]);
        }
    }

    @Test void classifiesADataFileAgainstItsLabels() {
        Object[] r = CliRun.runCapturingStdout("classify", "--classifier", CLASSIFIER, "--input", HELDOUT, "--threads", "1");
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(number((String) r[2], "accuracy (the file's labels)") >= 0.98, (String) r[2]);
    }

    @Test void classifyMistakesEndInOneLine() throws Exception {
        String samples = samplesOfClass(1).toString();
        assertError(CliRun.run("classify", "--classifier", tmp.resolve("none.safetensors").toString(), "--input", samples),
                "classifier file not found");
        assertError(CliRun.run("classify", "--classifier", CLASSIFIER, "--input", tmp.resolve("none").toString()), "input file not found");
        assertError(CliRun.run("classify", "--classifier", "src/test/resources/fixtures/unet-attn.safetensors", "--input", samples),
                "not a digit classifier", "it is a diffusion model", "train-classifier");
        Path png = Files.write(tmp.resolve("grid.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13});
        assertError(CliRun.run("classify", "--classifier", CLASSIFIER, "--input", png.toString()), "not a safetensors file: it is a PNG image");
        assertError(CliRun.run("classify", "--classifier", CLASSIFIER, "--input", tmp.toString()), "is a directory, not a file");
        int[] pixels = new int[2 * 784];
        Path labelled = tmp.resolve("label42.safetensors");
        new RawSafetensors().add("images", "U8", new int[] {2, 1, 28, 28}, RawSafetensors.u8(pixels))
                .add("labels", "U8", new int[] {2}, RawSafetensors.u8(new int[] {3, 42})).write(labelled);
        assertError(CliRun.run("classify", "--classifier", CLASSIFIER, "--input", labelled.toString()), "label 42 of image 1 is not a digit class");
        assertError(CliRun.run("classify", "--classifier", CLASSIFIER, "--input", samples, "--expect-label", "10"),
                "--expect-label must be in 0..9");
        Path big = tmp.resolve("big.safetensors");
        Safetensors.write(big, Map.of("samples", TensorData.f32(new float[2 * 32 * 32], 2, 1, 32, 32)), Map.of(), "F32");
        assertError(CliRun.run("classify", "--classifier", CLASSIFIER, "--input", big.toString()), "must be [N,1,28,28]");
        Path other = tmp.resolve("other.safetensors");
        Safetensors.write(other, Map.of("x_T", TensorData.f32(new float[4], 4)), Map.of(), "F32");
        assertError(CliRun.run("classify", "--classifier", CLASSIFIER, "--input", other.toString()), "neither a 'samples' nor an 'images'");
        float[] withNan = new float[3 * 784];
        withNan[784 + 5] = Float.NaN;
        Path nan = tmp.resolve("nan.safetensors");
        Safetensors.write(nan, Map.of("samples", TensorData.f32(withNan, 3, 1, 28, 28)), Map.of(), "F32");
        assertError(CliRun.run("classify", "--classifier", CLASSIFIER, "--input", nan.toString()), "1 of 3 samples contain NaN");
    }

    /** 16 labelled 28×28 U8 images of two constant classes. */
    private Path tinyData(String name) throws Exception {
        int n = 16;
        int[] x = new int[n * 784], y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            java.util.Arrays.fill(x, i * 784, (i + 1) * 784, i % 2 == 0 ? 40 : 220);
        }
        Path p = tmp.resolve(name);
        new RawSafetensors().add("images", "U8", new int[] {n, 1, 28, 28}, RawSafetensors.u8(x))
                .add("labels", "U8", new int[] {n}, RawSafetensors.u8(y)).write(p);
        return p;
    }

    @Test void trainsAndWritesAClassifierWithItsAccuracy() throws Exception {
        Path data = tinyData("train.safetensors"), out = tmp.resolve("c.safetensors");
        Object[] r = CliRun.runCapturingStdout("train-classifier", "--data", data.toString(), "--heldout", data.toString(),
                "--out", out.toString(), "--epochs", "2", "--batch", "8", "--lr", "3e-3", "--seed", "4", "--threads", "1");
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(((String) r[2]).contains("held-out accuracy 100.00% (16 images)"), (String) r[2]);
        Map<String, String> md = DigitClassifierFile.metadata(out);
        assertEquals("1.0000", md.get("heldout_accuracy"));
        assertEquals("2", md.get("epochs"));
        assertEquals("4", md.get("seed"));
        assertEquals(DigitClassifier.ARCHITECTURE, md.get("architecture"));
    }

    @Test void trainClassifierMistakesEndInOneLine() throws Exception {
        Path data = tinyData("d.safetensors");
        String out = tmp.resolve("c.safetensors").toString();
        assertError(CliRun.run("train-classifier", "--data", data.toString(), "--heldout", data.toString(), "--out", out, "--epochs", "0"),
                "--epochs must be >= 1");
        assertError(CliRun.run("train-classifier", "--data", tmp.resolve("no").toString(), "--heldout", data.toString(), "--out", out),
                "data file not found");
        // checked before training, not when the trained weights are written
        assertError(CliRun.run("train-classifier", "--data", data.toString(), "--heldout", data.toString(), "--out", tmp.toString()),
                "is a directory, not a file");
        assertError(CliRun.run("train-classifier", "--data", data.toString(), "--heldout", data.toString(), "--out", out, "--batch", "32"),
                "--batch 32 is larger than the data");
        Path small = tmp.resolve("small.safetensors");
        new RawSafetensors().add("images", "F32", new int[] {4, 1, 8, 8}, RawSafetensors.f32(new float[4 * 64]))
                .add("labels", "U8", new int[] {4}, RawSafetensors.u8(0, 1, 0, 1)).write(small);
        assertError(CliRun.run("train-classifier", "--data", small.toString(), "--heldout", data.toString(), "--out", out),
                "takes [1, 28, 28] images");
        // refused before any training, not after the first epoch
        assertError(CliRun.run("train-classifier", "--data", data.toString(), "--heldout", small.toString(), "--out", out),
                "the held-out data has [1, 8, 8]");
    }
}
