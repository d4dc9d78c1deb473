package org.timetuner4j.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.DiffusionModels;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.io.ModelFile;
import org.timetuner4j.io.ModelInfo;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.testing.CliRun;
import org.timetuner4j.testing.SavedProperty;
import org.timetuner4j.tuner.TimeTuner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `sample` on the shipped model uses the τ file shipped for its settings, unless told not to or it is stale. */
class ShippedTuningTest {
    @TempDir Path home;

    private Path model;

    private void shipModel() throws Exception {
        model = home.resolve(ShippedModel.RELATIVE);
        Files.createDirectories(model.getParent());
        UNet unet = new UNet(CpuBackend.INSTANCE, new UNetConfig(32, 1, new int[] {1}, 1, new int[0], 0, 1, 8, true, 10));
        unet.initialize(3);
        ModelFile.save(model, unet, ModelInfo.ddpmDefaults(unet.config()), "F32");
    }

    /** A τ file for ddim, NFE 3, official, with ratios that change the samples, recorded for {@code sha}. */
    private Path shipTau(String sha) throws Exception {
        SolverPlan plan = Sampler.builder(DiffusionModels.open(model.toString(), CpuBackend.INSTANCE)).solver("ddim").nfe(3).build().plan();
        double[] ts = new double[plan.intervals()];
        for (int i = 0; i < ts.length; i++) ts[i] = plan.time(i);
        double[][] r = new double[plan.intervals()][];
        for (int i = 0; i < r.length; i++) r[i] = new double[] {i == r.length - 1 ? 1.0 : 0.8 + 0.05 * i};
        Map<String, JsonElement> prov = Map.of("model_sha256", new JsonPrimitive(sha), "eta", new JsonPrimitive(0.0));
        Path tau = home.resolve(ShippedModel.TUNED_FOLDER).resolve("mnist-digits-ddim-nfe3-official.json");
        Files.createDirectories(tau.getParent());
        new TunedSchedule("ddim", 3, "official", ts, r, prov).write(tau);
        return tau;
    }

    private float[] sample(String... extra) throws Exception {
        Path out = home.resolve("s" + System.nanoTime() + ".safetensors");
        String[] base = {"sample", "--nfe", "3", "--count", "10", "--device", "cpu", "--out", home.resolve("g.png").toString(),
                "--samples-out", out.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        try (SavedProperty p = SavedProperty.set("timetuner.home", home.toString())) {
            Object[] res = CliRun.run(args);
            assertEquals(0, res[0], (String) res[1]);
            lastErr = (String) res[1];
        }
        return Safetensors.read(out).tensors().get("samples").values();
    }

    private String lastErr;

    @Test void theShippedTauFileIsUsedByDefault() throws Exception {
        shipModel();
        Path tau = shipTau(TimeTuner.sha256(model));
        float[] byDefault = sample();
        assertTrue(lastErr.contains("tuned (" + tau), lastErr);
        float[] untuned = sample("--no-tuned");
        assertFalse(lastErr.contains("tuned"), lastErr);
        float[] explicit = sample("--tuned", tau.toString());
        assertTrue(lastErr.contains("tuned (" + tau), lastErr);
        assertArrayEquals(explicit, byDefault, 0f, "the default run is the run with the shipped τ file");
        assertFalse(java.util.Arrays.equals(untuned, byDefault), "ratios below 1 must change the samples");
    }

    @Test void aTauFileOfAnotherModelVersionIsSkippedWithAWarning() throws Exception {
        shipModel();
        shipTau("0".repeat(64));
        float[] stale = sample();
        assertTrue(lastErr.contains("warning:") && lastErr.contains("another version"), lastErr);
        assertArrayEquals(sample("--no-tuned"), stale, 0f);
    }

    /** The τ files are tuned for deterministic DDIM: a noisy run says it samples without one, and refuses one it is given. */
    @Test void anotherEtaSamplesUntunedWithANoteAndRefusesAnExplicitTauFile() throws Exception {
        shipModel();
        Path tau = shipTau(TimeTuner.sha256(model));
        float[] noisy = sample("--eta", "0.5");
        assertTrue(lastErr.contains("note: the shipped τ for these settings was tuned at η 0"), lastErr);
        assertFalse(lastErr.contains("tuned ("), lastErr);
        assertArrayEquals(sample("--eta", "0.5", "--no-tuned"), noisy, 0f);
        try (SavedProperty p = SavedProperty.set("timetuner.home", home.toString())) {
            CliRun.assertError(CliRun.run("sample", "--nfe", "3", "--eta", "0.5", "--tuned", tau.toString(), "--count", "10",
                    "--out", home.resolve("g.png").toString()), "tuned at η 0.0, not 0.5");
        }
    }

    @Test void guidanceNeedsAClass() throws Exception {
        shipModel();
        try (SavedProperty p = SavedProperty.set("timetuner.home", home.toString())) {
            CliRun.assertError(CliRun.run("sample", "--class-label", "none", "--guidance-scale", "3", "--out", home.resolve("g.png").toString()),
                    "--guidance-scale needs --class-label");
        }
        sample("--class-label", "3", "--guidance-scale", "2");
        assertTrue(lastErr.contains("of class 3, guidance 2.0"), lastErr);
    }

    @Test void aNegativeCountIsAUserErrorInEveryLabelMode() throws Exception {
        shipModel();
        try (SavedProperty p = SavedProperty.set("timetuner.home", home.toString())) {
            for (String labels : new String[] {"all", "4", "none"})
                CliRun.assertError(CliRun.run("sample", "--count", "-10", "--class-label", labels, "--out", home.resolve("g.png").toString()),
                        "--count must be >= 1, got -10");
        }
    }

    @Test void noTauFileForOtherSettings() throws Exception {
        shipModel();
        shipTau(TimeTuner.sha256(model));
        try (SavedProperty p = SavedProperty.set("timetuner.home", home.toString())) {
            Object[] res = CliRun.run("sample", "--nfe", "4", "--count", "10", "--device", "cpu", "--out", home.resolve("g.png").toString());
            assertEquals(0, res[0], (String) res[1]);
            assertFalse(((String) res[1]).contains("tuned"), (String) res[1]);
            Object[] both = CliRun.run("sample", "--tuned", "x.json", "--no-tuned", "--out", home.resolve("g.png").toString());
            assertEquals(1, both[0]);
        }
    }
}
