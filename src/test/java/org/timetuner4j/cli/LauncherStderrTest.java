package org.timetuner4j.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Main adopts the stderr the launcher hands on (-Dtimetuner.stderr=/dev/fd/3), so the program's
 * own messages do not go through the launcher's filter process, which may print after the JVM
 * has exited. The launcher's side (./timetuner: fd 3 is its stderr) is tried by hand in a terminal.
 */
class LauncherStderrTest {
    private final PrintStream original = System.err;

    @AfterEach void restore() {
        System.setErr(original);
        System.clearProperty("timetuner.stderr");
    }

    @Test void messagesGoToTheGivenPathAppendedNotTruncated(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("stderr.log");
        Files.writeString(log, "before\n");
        System.setProperty("timetuner.stderr", log.toString());
        Main.adoptLauncherStderr();
        System.err.println("error: after");
        System.err.print("\rsampling 10%");
        System.err.flush();
        System.setErr(original);
        assertEquals("before\nerror: after\n\rsampling 10%", Files.readString(log, StandardCharsets.UTF_8));
    }

    @Test void withoutTheSettingOrWithAPathThatCannotBeOpenedStderrStays(@TempDir Path dir) {
        Main.adoptLauncherStderr();
        assertSame(original, System.err, "no setting");
        System.setProperty("timetuner.stderr", dir.toString());  // a directory: cannot be opened for writing
        Main.adoptLauncherStderr();
        assertSame(original, System.err, "unopenable path");
    }
}
