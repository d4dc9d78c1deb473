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

    /** Asserts a user error: exit code 1, the last line of stderr an "error: " line with the fragments, and no stack trace. */
    public static void assertError(Object[] r, String... fragments) {
        String err = (String) r[1];
        String[] lines = err.strip().split("[\\r\\n]+");
        String line = lines[lines.length - 1];
        org.junit.jupiter.api.Assertions.assertEquals(1, r[0], err);
        org.junit.jupiter.api.Assertions.assertTrue(line.startsWith("error: "), line);
        for (String f : fragments) org.junit.jupiter.api.Assertions.assertTrue(line.contains(f), "'" + f + "' in: " + line);
        org.junit.jupiter.api.Assertions.assertFalse(err.contains("Exception"), err);
    }
}
