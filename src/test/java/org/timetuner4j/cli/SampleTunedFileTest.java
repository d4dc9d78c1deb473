package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.tuner.TimeTuner;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.timetuner4j.testing.CliRun.assertError;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.timetuner4j.testing.CliRun.run;

/** `sample --tuned` refuses τ files that leave the model's time range or were tuned for another model (a file or a gaussian one). */
class SampleTunedFileTest {
    static final String MODEL = "src/test/resources/fixtures/unet-mono.safetensors";  // 1x12x12, DDPM schedule
    @TempDir Path tmp;

    @Test void ratiosWhoseTimesLeaveTheRangeAreRefusedNamingTheStep() throws Exception {
        String g = "gaussian:mean=0,std=1,shape=1x4x4";
        Path tau = tmp.resolve("tau.json"), out = tmp.resolve("g.png");
        // uniform NFE 3 on DDPM's schedule: t = 1, 0.667, 0.334, ending at 1/1000
        Files.writeString(tau, "[0.9, 1e6, 1.0]");
        assertError(run("sample", "--model", g, "--nfe", "3", "--trajectory", "uniform", "--tuned", tau.toString(), "--out", out.toString()),
                "ratio 1000000.0 at step 1", "outside the model's time range");
        Files.writeString(tau, "[0.9, 0.001, 1.0]");  // τ = 0.00067 < 1/1000
        assertError(run("sample", "--model", g, "--nfe", "3", "--trajectory", "uniform", "--tuned", tau.toString(), "--out", out.toString()),
                "ratio 0.001 at step 1");
        Files.writeString(tau, "[0.9, 0.5, 1.0]");
        Object[] ok = run("sample", "--model", g, "--nfe", "3", "--trajectory", "uniform", "--tuned", tau.toString(), "--count", "1",
                "--out", out.toString());
        assertEquals(0, ok[0], (String) ok[1]);
    }

    @Test void aTauFileForAnotherModelIsRefusedUnlessAllowed() throws Exception {
        Path tau = tunedFor(MODEL);
        String[] sample = sampleWith(tau);
        Object[] same = run(concat(sample, MODEL));
        assertEquals(0, same[0], (String) same[1]);

        // the same network written again as F32: another file, another hash
        Path other = tmp.resolve("other.safetensors");
        SafetensorsFile f = Safetensors.read(Path.of(MODEL));
        Safetensors.write(other, f.tensors(), f.metadata(), "F32");
        String hashTuned = TimeTuner.sha256(Path.of(MODEL)), hashOther = TimeTuner.sha256(other);
        assertNotEquals(hashTuned, hashOther);
        assertError(run(concat(sample, other.toString())), hashTuned, hashOther, "--allow-other-model");
        assertError(run(concat(sample, "gaussian:mean=0,std=1,shape=1x12x12")), hashTuned, "is not that model file");

        Object[] allowed = run(concat(concat(sample, other.toString()), "--allow-other-model"));
        assertEquals(0, allowed[0], (String) allowed[1]);

        // the official plain list records no model and fits any
        Files.writeString(tau, "[0.95, 1.0]");
        Object[] plain = run(concat(sample, other.toString()));
        assertEquals(0, plain[0], (String) plain[1]);
    }

    @Test void aTauFileForAGaussianModelFitsOnlyThatModel() throws Exception {
        String g = "gaussian:mean=0,std=1,shape=1x12x12";
        String[] sample = sampleWith(tunedFor(g));
        Object[] same = run(concat(sample, g));
        assertEquals(0, same[0], (String) same[1]);
        assertError(run(concat(sample, MODEL)), "tuned for the model " + g, "not " + MODEL, "--allow-other-model");
        assertError(run(concat(sample, "gaussian:mean=0,std=2,shape=1x12x12")), "tuned for the model " + g);
        Object[] allowed = run(concat(concat(sample, MODEL), "--allow-other-model"));
        assertEquals(0, allowed[0], (String) allowed[1]);
    }

    /** A τ file from one iteration of `tune` (ddim, NFE 2, uniform) on {@code model}. */
    private Path tunedFor(String model) {
        Path tau = tmp.resolve("tau.json");
        Object[] tuned = run("tune", "--model", model, "--data", "gaussian:mean=0,std=0.5,shape=1x12x12", "--solver", "ddim",
                "--nfe", "2", "--trajectory", "uniform", "--iters", "1", "--batch", "2", "--threads", "1", "--out", tau.toString());
        assertEquals(0, tuned[0], (String) tuned[1]);
        return tau;
    }

    /** `sample` with those settings and {@code tau}, its --model value still to add. */
    private String[] sampleWith(Path tau) {
        return new String[] {"sample", "--nfe", "2", "--trajectory", "uniform", "--count", "1", "--threads", "1",
                "--tuned", tau.toString(), "--out", tmp.resolve("s.png").toString(), "--model"};
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
