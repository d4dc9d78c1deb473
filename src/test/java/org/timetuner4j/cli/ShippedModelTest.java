package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.testing.CliRun;
import org.timetuner4j.testing.SavedProperty;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `sample` without --model uses the shipped model under the project folder the launcher names. */
class ShippedModelTest {
    @TempDir Path home;

    @Test void sampleWithoutModelUsesTheShippedFile() throws Exception {
        Path model = home.resolve(ShippedModel.RELATIVE);
        Files.createDirectories(model.getParent());
        UNet unet = new UNet(CpuBackend.INSTANCE, new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0, 1, 8, true, 10));
        unet.initialize(3);
        ModelFile.save(model, unet, ModelInfo.ddpmDefaults(unet.config()), "F32");
        Path png = home.resolve("out.png"), samples = home.resolve("out.safetensors");
        try (SavedProperty p = SavedProperty.set("timetuner.home", home.toString())) {
            Object[] r = CliRun.run("sample", "--nfe", "2", "--device", "cpu", "--out", png.toString(), "--samples-out", samples.toString());
            assertEquals(0, r[0], (String) r[1]);
            assertTrue(((String) r[1]).contains("80 samples (one row per class, 0-9)"), (String) r[1]);
            Object[] u = CliRun.run("sample", "--nfe", "2", "--class-label", "none", "--device", "cpu", "--out", home.resolve("u.png").toString());
            assertEquals(0, u[0], (String) u[1]);
            assertTrue(((String) u[1]).contains("16 samples (unconditional)"), (String) u[1]);
            CliRun.assertError(CliRun.run("sample", "--nfe", "2", "--count", "15", "--device", "cpu", "--out", png.toString()),
                    "multiple of 10, got 15");
            CliRun.assertError(CliRun.run("sample", "--class-label", "ten", "--out", png.toString()), "a number, all or none");
            CliRun.assertError(CliRun.run("sample", "--class-label", "10", "--out", png.toString()), "outside [0, 9]");
        }
        // the shipped model's default grid: one row per class (10 rows), 8 samples each
        var md = org.timetuner4j.io.Safetensors.read(samples).metadata();
        assertEquals("all", md.get("class_label"));
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertTrue(img.getHeight() > img.getWidth(), img.getWidth() + "x" + img.getHeight());
    }

    @Test void classifyWithoutClassifierUsesTheShippedOne() {
        Path repo = Path.of("").toAbsolutePath();  // the shipped classifier is committed
        try (SavedProperty p = SavedProperty.set("timetuner.home", repo.toString())) {
            Object[] r = CliRun.runCapturingStdout("classify", "--input", repo.resolve("data/mnist-heldout.safetensors").toString());
            assertEquals(0, r[0], (String) r[1]);
            assertTrue(((String) r[2] + r[1]).contains("digit-classifier.safetensors"), (String) r[2]);
        }
        try (SavedProperty p = SavedProperty.set("timetuner.home", home.toString())) {
            Object[] r = CliRun.run("classify", "--input", repo.resolve("data/mnist-heldout.safetensors").toString());
            assertEquals(1, r[0]);
            assertTrue(((String) r[1]).strip().startsWith("error: no --classifier given"), (String) r[1]);
        }
    }

    @Test void aDataFileGivenAsModelIsNamedAsSuch() {
        Object[] r = CliRun.run("sample", "--model", "data/mnist-heldout.safetensors", "--device", "cpu", "--out", home.resolve("d.png").toString());
        assertEquals(1, r[0]);
        String err = ((String) r[1]).strip();
        assertTrue(err.startsWith("error: ") && err.contains("is not a model file") && err.contains("images"), err);
    }

    @Test void aMissingShippedModelIsOneLine() {
        try (SavedProperty p = SavedProperty.set("timetuner.home", home.toString())) {
            Object[] r = CliRun.run("sample", "--nfe", "2", "--device", "cpu", "--out", home.resolve("x.png").toString());
            assertEquals(1, r[0]);
            String err = ((String) r[1]).strip();
            assertTrue(err.startsWith("error: no --model given") && !err.contains("\n") && err.contains("missing"), err);
        }
    }
}
