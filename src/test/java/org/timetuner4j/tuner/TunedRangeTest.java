package org.timetuner4j.tuner;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.data.GaussianData;
import org.timetuner4j.diffusion.GaussianModel;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.CliRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tuned times stay inside the model's time range, and a run that diverges ends in one line. */
class TunedRangeTest {
    @TempDir Path tmp;

    /**
     * The reproducer, made fast with a larger learning rate: Adam pushed the ratios of
     * the last tuned steps through 0 and the τ file held NaN. DDPM's schedule is t ∈ [1/1000, 1].
     */
    @Test void ratiosPushedTowardsZeroStopAtTheFirstTimeOfTheSchedule() throws Exception {
        Path out = tmp.resolve("tau.json");
        Object[] r = CliRun.run("tune", "--model", "gaussian:mean=0,std=0.9,shape=1x8x8", "--data", "gaussian:mean=0,std=0.9,shape=1x8x8",
                "--solver", "ddim", "--nfe", "10", "--trajectory", "official", "--mode", "parallel", "--iters", "80", "--batch", "16",
                "--lr", "0.02", "--seed", "3", "--threads", "1", "--out", out.toString());
        assertEquals(0, r[0], (String) r[1]);
        JsonObject tau = JsonParser.parseString(Files.readString(out)).getAsJsonObject();
        JsonArray ratios = tau.getAsJsonArray("ratios"), times = tau.getAsJsonArray("timesteps"), atBound = tau.getAsJsonArray("at_bound");
        int onBound = 0;
        for (int i = 0; i < ratios.size(); i++) {
            double ratio = ratios.get(i).getAsDouble(), t = times.get(i).getAsDouble(), tau1 = ratio * t;
            System.out.printf("step %d: t %.4f r %.6f τ %.7f at_bound %s%n", i, t, ratio, tau1, atBound.get(i));
            assertTrue(Double.isFinite(ratio), "step " + i + ": " + ratio);
            assertTrue(tau1 >= 1e-3 * (1 - 1e-6) && tau1 <= 1.0, "step " + i + ": τ = " + tau1);
            boolean sits = Math.abs(tau1 - 1e-3) <= 1e-9;
            assertEquals(sits, atBound.get(i).getAsBoolean(), "at_bound of step " + i);
            if (sits) onBound++;
        }
        assertTrue(onBound >= 1, "the run should reach the bound, else the test proves little");
    }

    @Test void aNonFiniteLossEndsTheRunInOneLine() throws Exception {
        Path out = tmp.resolve("tau.json");
        // a finite model whose squared noise error overflows float32
        Object[] r = CliRun.run("tune", "--model", "gaussian:mean=1e30,std=0.5,shape=1x4x4", "--data", "gaussian:mean=0,std=0.5,shape=1x4x4",
                "--solver", "ddim", "--nfe", "4", "--trajectory", "uniform", "--iters", "5", "--batch", "4", "--threads", "1",
                "--out", out.toString());
        // the progress bar's frames end in \r and may share a line with what follows
        List<String> lines = Arrays.stream(((String) r[1]).split("[\\r\\n]+")).map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("tuning ")).toList();
        assertEquals(1, r[0], (String) r[1]);
        assertEquals(1, lines.size(), (String) r[1]);
        assertTrue(lines.get(0).startsWith("error: tuning diverged at step 0, iteration 0: the loss is Infinity"), lines.get(0));
        assertFalse(Files.exists(out), "no τ file");
        assertTrue(Files.exists(tmp.resolve("tau.json.ckpt")), "the checkpoint is kept");
    }

    /** A model that turns NaN after a number of calls. */
    static final class FailingModel implements NoisePredictor {
        final GaussianModel inner;
        int callsLeft;

        FailingModel(GaussianModel inner, int calls) { this.inner = inner; this.callsLeft = calls; }

        @Override public Tensor predictNoise(Tensor x, Tensor t) {
            Tensor eps = inner.predictNoise(x, t);
            return callsLeft-- > 0 ? eps : Ops.scale(eps, Float.NaN);
        }

        @Override public int[] sampleShape() { return inner.sampleShape(); }

        @Override public Backend backend() { return inner.backend(); }

        @Override public NoiseSchedule schedule() { return inner.schedule(); }
    }

    @Test void divergenceKeepsTheLastGoodStateInTheCheckpoint() throws Exception {
        String spec = "gaussian:mean=0.2,std=0.5,shape=1x4x4";
        GaussianModel g = GaussianModel.parse(spec);
        TunerSettings s = new TunerSettings(spec, null, spec, "ddim", 0, 4, "uniform", TunerObjective.Mode.PARALLEL, false,
                2e-3, 100, 8, 1);
        // parallel DDIM: 3 network calls an iteration (ε at t, at τ and at the next t); iteration 72 of step 0 sees NaN
        FailingModel failing = new FailingModel(g, 3 * 72);
        Path ckpt = tmp.resolve("tau.json.ckpt");
        double[][] seen = new double[1][];
        TuningDivergedException e = assertThrows(TuningDivergedException.class,
                () -> new TimeTuner(failing, new GaussianData(g.data()), s, CpuBackend.INSTANCE)
                        .run(ckpt, false, (i, n, it, its, loss, r) -> seen[0] = r.clone()));
        assertTrue(e.getMessage().startsWith("tuning diverged at step 0, iteration 72: the loss is NaN"), e.getMessage());
        assertTrue(e.getMessage().contains("the last good state is kept in " + ckpt), e.getMessage());
        TunerCheckpoint c = TunerCheckpoint.read(ckpt);
        assertEquals(0, c.interval);
        assertEquals(72, c.iteration, "the checkpoint holds the state after the last good iteration");
        assertTrue(Arrays.equals(seen[0], c.current), Arrays.toString(seen[0]) + " vs " + Arrays.toString(c.current));
        for (double v : c.adamM) assertTrue(Double.isFinite(v));
        for (double v : c.adamV) assertTrue(Double.isFinite(v));

        // resuming with a working model continues from there and ends like a run that never failed
        TunedSchedule resumed = new TimeTuner(g, new GaussianData(g.data()), s, CpuBackend.INSTANCE).run(ckpt, true, null);
        TunedSchedule reference = new TimeTuner(g, new GaussianData(g.data()), s, CpuBackend.INSTANCE).run(null, false, null);
        for (int i = 0; i < reference.intervals(); i++)
            assertTrue(Arrays.equals(reference.ratios()[i], resumed.ratios()[i]), "interval " + i);
    }

    @Test void aTauFileWithNaNIsNeverWritten() {
        Path out = tmp.resolve("nan.json");
        TunedSchedule bad = new TunedSchedule("ddim", 3, "uniform", new double[] {1, 0.5, 0.1},
                new double[][] {{0.9}, {Double.NaN}, {1}}, Map.<String, JsonElement>of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.write(out));
        assertTrue(e.getMessage().contains("ratio NaN at step 1"), e.getMessage());
        TunedSchedule inf = new TunedSchedule("ddim", 3, "uniform", new double[] {1, 0.5, 0.1},
                new double[][] {{0.9}, {Double.POSITIVE_INFINITY}, {1}}, Map.<String, JsonElement>of());
        assertThrows(IllegalArgumentException.class, () -> inf.write(out));
        assertFalse(Files.exists(out));
    }
}
