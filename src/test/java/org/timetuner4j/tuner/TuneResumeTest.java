package org.timetuner4j.tuner;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.cli.Main;
import org.timetuner4j.diffusion.sampling.TunedSchedule;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kill -9 in the middle of `tune`, then `--resume`: the same ratios as a run never interrupted. */
class TuneResumeTest {
    @TempDir Path tmp;

    private List<String> args(Path out) {
        return List.of("tune", "--model", "gaussian:mean=0.4,std=0.3,shape=1x8x8", "--data", "gaussian:mean=0.4,std=0.3,shape=1x8x8",
                "--solver", "ddim", "--nfe", "5", "--trajectory", "uniform", "--mode", "sequential", "--iters", "400",
                "--batch", "64", "--seed", "7", "--threads", "1", "--out", out.toString());
    }

    @Test void killedRunResumesToTheSameResult() throws Exception {
        Path reference = tmp.resolve("reference.json");
        assertEquals(0, Main.run(args(reference).toArray(new String[0])));

        Path out = tmp.resolve("tau.json"), ckpt = tmp.resolve("tau.json.ckpt");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), "org.timetuner4j.cli.Main"));
        cmd.addAll(args(out));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("log.txt").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        boolean killedMidRun = false;
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(ckpt)) {
                TunerCheckpoint c = TunerCheckpoint.read(ckpt);
                if (c.interval >= 1 && c.iteration >= 100) {
                    p.destroyForcibly();  // SIGKILL: no shutdown hooks, no chance to tidy up
                    p.waitFor();
                    killedMidRun = true;
                    break;
                }
            }
            Thread.sleep(5);
        }
        assertTrue(killedMidRun, "the run should have been killed in its second interval (log: "
                + Files.readString(tmp.resolve("log.txt")) + ")");
        assertTrue(!Files.exists(out), "the killed run must not have finished");
        TunerCheckpoint atKill = TunerCheckpoint.read(ckpt);
        System.out.printf("killed at interval %d, iteration %d%n", atKill.interval, atKill.iteration);

        List<String> resume = new ArrayList<>(args(out));
        resume.add("--resume");
        assertEquals(0, Main.run(resume.toArray(new String[0])));
        double[][] expected = TunedSchedule.read(reference).ratios(), got = TunedSchedule.read(out).ratios();
        assertEquals(expected.length, got.length);
        for (int i = 0; i < expected.length; i++) assertArrayEquals(expected[i], got[i], 0.0, "interval " + i);
        assertTrue(!Files.exists(ckpt), "a finished run removes its checkpoint");
    }
}
