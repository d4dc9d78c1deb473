package org.timetuner4j.testing;

import org.timetuner4j.cli.Main;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures its exit code and standard error (or standard output). */
public final class CliRun {
    private CliRun() {}

    /** {exit code (Integer), stderr (String), stdout (String)}. */
    public static Object[] runCapturingStdout(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object[] r;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            r = run(args);
        } finally {
            System.setOut(old);
        }
        return new Object[] {r[0], r[1], out.toString(StandardCharsets.UTF_8)};
    }

    /** {exit code (Integer), stderr (String)}. */
    public static Object[] run(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Object[] {Main.run(args), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(old);
        }
    }
}
