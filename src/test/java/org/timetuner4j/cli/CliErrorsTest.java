package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.timetuner4j.UserError;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.TensorData;
import org.timetuner4j.train.TrainingDivergedException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.timetuner4j.testing.CliRun.run;

/** Every user mistake ends in exactly one {@code error: …} line and exit 1; our own bugs do not look like one. */
class CliErrorsTest {
    private static final String G = "gaussian:mean=0,std=0.5,shape=1x4x4";
    @TempDir Path tmp;

    /** The whole of stderr is one line starting with "error: " and containing {@code fragment}. */
    private static void assertOneErrorLine(Object[] r, String fragment) {
        String err = ((String) r[1]).strip();
        assertEquals(1, r[0], err);
        assertFalse(err.contains("\n") || err.contains("\r"), "more than one line:\n" + err);
        assertTrue(err.startsWith("error: ") && err.contains(fragment), err);
    }

    private String out() { return tmp.resolve("grid.png").toString(); }

    @Test void usageErrorsExitOneInOneLine() {
        assertOneErrorLine(run("eval"), "Missing required options");
        assertOneErrorLine(run("sample", "--model", G, "--nfe", "ten"), "'ten' is not an int");
        assertOneErrorLine(run("sample", "--model", G, "--nfee", "3"), "Unknown option");
        assertOneErrorLine(run("tune", "--model", G), "Missing required option: '--data");
        assertOneErrorLine(run("help", "foo"), "Unknown subcommand 'foo'; see 'timetuner --help'");
    }

    @Test void aZeroCountOrBatchIsRefused() {
        assertOneErrorLine(run("sample", "--model", G, "--count", "0", "--out", out()), "--count must be >= 1");
        assertOneErrorLine(run("sample", "--model", G, "--batch", "0", "--out", out()), "--batch must be >= 1");
    }

    @Test void aGaussianModelTooLargeForOneTensorIsRefused() {
        assertOneErrorLine(run("sample", "--model", "gaussian:shape=3x100000x100000", "--out", out()), "3x100000x100000");
        assertOneErrorLine(run("sample", "--model", "gaussian:shape=3x10000x10000", "--device", "cpu", "--out", out()),
                "more than one Java array holds");
    }

    @Test void nonFiniteNumbersAreRefused() throws Exception {
        assertOneErrorLine(run("sample", "--model", "gaussian:mean=NaN,shape=1x4x4", "--out", out()), "mean must be a finite number");
        assertOneErrorLine(run("sample", "--model", "gaussian:std=Infinity,shape=1x4x4", "--out", out()), "std must be > 0 and finite");
        Path xt = tmp.resolve("xt.safetensors");
        float[] values = new float[2 * 16];
        values[21] = Float.NaN;
        Safetensors.write(xt, Map.of("x_T", TensorData.f32(values, 2, 1, 4, 4)), Map.of(), "F32");
        assertOneErrorLine(run("sample", "--model", G, "--x-T", xt.toString(), "--device", "cpu", "--out", out()),
                "x_T value 21 is NaN");
        assertFalse(Files.exists(tmp.resolve("grid.png")));
    }

    @Test void aModelThatIsADirectoryIsNamedSo() {
        assertOneErrorLine(run("sample", "--model", tmp.toString(), "--out", out()), "is a directory, not a model file");
    }

    @Test void etaOutsideZeroToOneAndAbsurdGuidanceAreRefused() {
        for (String eta : new String[] {"1e6", "-0.1", "NaN"})
            assertOneErrorLine(run("sample", "--model", G, "--eta", eta, "--out", out()), "--eta must be between 0");
        for (String g : new String[] {"-1", "1e9", "NaN"})
            assertOneErrorLine(run("sample", "--model", G, "--guidance-scale", g, "--out", out()), "--guidance-scale must be between 0");
        assertOneErrorLine(run("sample", "--model", G, "--guidance-scale", "2", "--out", out()), "needs a class-conditional model");
    }

    @Test void absurdThreadCountsAndNothingToTuneAreRefused() {
        assertOneErrorLine(run("sample", "--model", G, "--threads", "100000", "--out", out()), "--threads must be between 1 and 1024");
        assertOneErrorLine(run("sample", "--model", G, "--threads", "0", "--out", out()), "--threads must be between 1 and 1024");
        assertOneErrorLine(run("tune", "--model", G, "--data", G, "--nfe", "1", "--out", tmp.resolve("t.json").toString()),
                "nothing to tune");
    }

    @Test void anOutputNamedForAnotherFormatIsWarnedAbout() {
        Object[] r = run("sample", "--model", G, "--count", "1", "--nfe", "1", "--device", "cpu", "--out", tmp.resolve("grid.jpg").toString());
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("warning: --out " + tmp.resolve("grid.jpg") + " will hold a PNG image"), (String) r[1]);
        assertTrue(((String) r[1]).contains("1 sample, ddim, NFE 1 (1 step,"), (String) r[1]);
    }

    @Test void etaIsRefusedBySolversThatIgnoreIt() {
        for (String solver : new String[] {"ddpm", "dpm-solver-2", "dpm-solver++2m", "heun"}) {
            assertOneErrorLine(run("sample", "--model", G, "--solver", solver, "--eta", "0.5", "--out", out()), "ignores --eta 0.5");
            assertOneErrorLine(run("tune", "--model", G, "--data", G, "--solver", solver, "--eta", "0.5", "--out",
                    tmp.resolve("t.json").toString()), "ignores --eta 0.5");
        }
        assertOneErrorLine(run("sample", "--model", G, "--solver", "ddpm", "--eta", "0", "--out", out()), "its η is 1");
        for (String[] same : new String[][] {{"ddim", "0.5"}, {"heun", "0"}, {"ddpm", "1"}}) {
            Object[] ok = run("sample", "--model", G, "--solver", same[0], "--eta", same[1], "--nfe", "2", "--count", "1",
                    "--device", "cpu", "--out", out());
            assertEquals(0, ok[0], (String) ok[1]);
        }
    }

    /** Each output is checked before the work: the failures below come before any sampling or tuning. */
    @Test void unwritableOutputsAreRefusedBeforeTheWork() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        String underAFile = file.resolve("grid.png").toString();
        assertOneErrorLine(run("sample", "--model", G, "--out", tmp.toString()), "--out " + tmp + " is a directory");
        assertOneErrorLine(run("sample", "--model", G, "--out", underAFile), file + " is not a directory");
        assertOneErrorLine(run("sample", "--model", G, "--out", out(), "--samples-out", tmp.toString()), "--samples-out");
        assertOneErrorLine(run("sample", "--model", G, "--out", "/proc/grid.png"), "no file can be created in /proc");   // read-only, even for root
        assertOneErrorLine(run("tune", "--model", G, "--data", G, "--out", underAFile), file + " is not a directory");
        assertOneErrorLine(run("tune", "--model", G, "--data", G, "--out", tmp.toString()), "is a directory");
        String digits = Path.of("data/mnist-heldout.safetensors").toAbsolutePath().toString();
        assertOneErrorLine(run("train", "--data", digits, "--out", tmp.toString()), "is a directory");
        assertOneErrorLine(run("eval", "--model", "m", "--input", file.toString(), "--output", underAFile), file + " is not a directory");
        Files.createDirectory(tmp.resolve("t.json.ckpt"));
        assertOneErrorLine(run("tune", "--model", G, "--data", G, "--out", tmp.resolve("t.json").toString()), "t.json.ckpt is a directory");
    }

    @Test void missingOutputFoldersAreCreated() {
        Path png = tmp.resolve("new/folder/grid.png");
        Object[] r = run("sample", "--model", G, "--nfe", "2", "--count", "1", "--device", "cpu", "--out", png.toString());
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(Files.isRegularFile(png));
    }

    @Test void userErrorsAreOneLineAndInternalErrorsShowTheirStackTrace() {
        StringWriter user = new StringWriter();
        assertEquals(Failures.USER_ERROR, Failures.report(new UserError("bad value\nsecond line"), new PrintWriter(user)));
        assertEquals("error: bad value second line", user.toString().strip());
        StringWriter io = new StringWriter();
        assertEquals(Failures.USER_ERROR, Failures.report(new java.nio.file.NoSuchFileException("x.safetensors"), new PrintWriter(io)));
        assertEquals("error: file not found: x.safetensors", io.toString().strip());

        StringWriter diverged = new StringWriter();
        assertEquals(Failures.USER_ERROR, Failures.report(new TrainingDivergedException("the loss of step 7 is NaN; try a lower --lr"),
                new PrintWriter(diverged)));
        assertEquals("error: the loss of step 7 is NaN; try a lower --lr", diverged.toString().strip());

        for (RuntimeException bug : new RuntimeException[] {new IllegalStateException("tensor [2] used after it was freed"),
                new ArithmeticException("/ by zero"), new NullPointerException()}) {
            StringWriter err = new StringWriter();
            assertEquals(Failures.INTERNAL_ERROR, Failures.report(bug, new PrintWriter(err)));
            assertFalse(err.toString().startsWith("error: "), err.toString());
            assertTrue(err.toString().contains(bug.getClass().getName()) && err.toString().contains("\tat "), err.toString());
        }
    }
}
