package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.testing.CliRun;
import org.timetuner4j.tuner.TunerCheckpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tune's progress bar counts finished iterations of all steps, and a resumed run starts where it stopped. */
class TuneProgressTest {
    @TempDir Path tmp;

    @Test void oneFinishedStepOfFiveIsAFifth() {
        TuneProgress p = new TuneProgress(5, 500);
        assertEquals(2500, p.total());
        assertEquals(0, p.done(0, 0));
        assertEquals(p.total() / 5, p.done(0, 500), "the first of five steps done");
        assertEquals(p.done(1, 0), p.done(0, 500));
        assertEquals(p.total(), p.done(4, 500));
        assertEquals(2 * 500 + 150, p.done(2, 150), "resumed in the third step with 150 iterations done");
        assertEquals("step 1/5 iteration 500/500 loss 0.5000 r 0.9800", p.message(0, 499, 0.5, new double[] {0.98}, 200));
    }

    /**
     * In an 80-column terminal (79 usable) the text after the bar gives way, so that the bar keeps
     * its columns: the line then measured "tuning  16% [ ]  291/1800 (0:00:24 / 0:02:05) step 2/9
     * iteration 91/200 loss 0", the bar two columns wide and the loss cut.
     */
    @Test void inANarrowLineTheTextGivesWayToTheBar() {
        TuneProgress p = new TuneProgress(9, 200);
        double[] r = {0.98765, 1.01234};
        assertEquals("step 2/9 iteration 91/200 loss 0.01234 r 0.9877 1.0123", p.message(1, 90, 0.012344, r, 120));
        assertEquals("step 2/9 loss 0.01234 r 0.9877 1.0123", p.message(1, 90, 0.012344, r, 100));
        String narrow = p.message(1, 90, 0.012344, r, 79);
        assertEquals("step 2/9 loss 0.01234", narrow);
        // "tuning  16% [" + bar + "]  291/1800 (0:00:24 / 0:02:05) " + text, as the library draws it
        int around = "tuning  16% [".length() + "]  291/1800 (0:00:24 / 0:02:05) ".length();
        assertTrue(79 - around - narrow.length() >= TuneProgress.MIN_BAR, "bar columns left: " + (79 - around - narrow.length()));
        assertEquals("step 2/9 loss 0.01234", p.message(1, 90, 0.012344, r, 40), "too narrow for any: the shortest");
    }

    /** Large enough images that an iteration takes a while, so the bar is drawn before the first one ends. */
    private static List<String> args(Path out) {
        return List.of("tune", "--model", "gaussian:mean=0.4,std=0.3,shape=3x32x32", "--data", "gaussian:mean=0.4,std=0.3,shape=3x32x32",
                "--solver", "ddim", "--nfe", "3", "--trajectory", "uniform", "--iters", "40", "--batch", "64", "--seed", "7",
                "--threads", "1", "--device", "cpu", "--out", out.toString());
    }

    /** Ctrl-C or kill (SIGTERM here) while the bar is up: its line ends, and the next says how to go on. */
    @Test void aStoppedRunEndsTheBarsLineAndSaysHowToResume() throws Exception {
        Path out = tmp.resolve("tau.json"), ckpt = tmp.resolve("tau.json.ckpt"), log = tmp.resolve("log.txt");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args(out));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive() && !(Files.exists(ckpt) && Files.readString(log).contains("tuning")))
            Thread.sleep(5);
        p.destroy();
        p.waitFor();
        String text = Files.readString(log);
        assertFalse(Files.exists(out), "the run should have been stopped before it finished: " + text);
        assertTrue(text.endsWith("\ninterrupted: " + ckpt + " keeps the iterations done; the same command with --resume continues from there\n"), text);
        assertTrue(text.substring(0, text.lastIndexOf("\ninterrupted")).contains("tuning"), text);
    }

    @Test void aResumedRunsBarStartsWhereTheCheckpointLeftOff() throws Exception {
        Path out = tmp.resolve("tau.json"), ckpt = tmp.resolve("tau.json.ckpt");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args(out));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("log.txt").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive() && !(Files.exists(ckpt) && TunerCheckpoint.read(ckpt).interval() >= 1))
            Thread.sleep(5);
        p.destroyForcibly();
        p.waitFor();
        assertFalse(Files.exists(out), "the run should have been killed before it finished: " + Files.readString(tmp.resolve("log.txt")));
        TunerCheckpoint c = TunerCheckpoint.read(ckpt);
        assertEquals(Files.getPosixFilePermissions(Files.createFile(tmp.resolve("plain.txt"))), Files.getPosixFilePermissions(ckpt),
                "the checkpoint has the permissions the umask gives any new file");
        long start = (long) c.interval() * 40 + c.iteration();
        assertTrue(start >= 40);

        List<String> resume = new ArrayList<>(args(out));
        resume.add("--resume");
        Object[] r = CliRun.run(resume.toArray(new String[0]));
        assertEquals(0, r[0], (String) r[1]);
        Matcher m = Pattern.compile("tuning\\s+\\d+% .*? (\\d+)/80 ").matcher((String) r[1]);
        List<Long> positions = new ArrayList<>();
        while (m.find()) positions.add(Long.parseLong(m.group(1)));
        assertFalse(positions.isEmpty(), (String) r[1]);
        for (long pos : positions) assertTrue(pos >= start, "the bar showed " + pos + " though " + start + " were done: " + positions);
        assertEquals(80, positions.get(positions.size() - 1));
    }
}
