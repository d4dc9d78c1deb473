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
 * Main adopts the stderr the launcher hands on as descriptor 3 (-Dtimetuner.stderr-fd=3), so the
 * program's own messages do not go through the launcher's filter process, which may print after
 * the JVM has exited. The JVM runs here with the launcher's redirections (3>&2, the JVM's own
 * stderr elsewhere) inside a shell whose output goes to one log, as `cmd > log 2>&1` does.
 */
class LauncherStderrTest {
    private final PrintStream original = System.err;

    @AfterEach void restore() {
        System.setErr(original);
        System.clearProperty("timetuner.stderr-fd");
    }

    /** Runs `sample --nfe 0` (an error at once) as ./timetuner would, then the shell's echo, all into one log. */
    private static String launched(Path dir, String redirect) throws Exception {
        Path log = dir.resolve("log.txt");
        Files.writeString(log, "before\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String script = "{ \"$JAVA\" --add-modules jdk.incubator.vector --add-opens java.base/java.io=ALL-UNNAMED -Dtimetuner.stderr-fd=3"
                + " -cp \"$CP\" " + Main.class.getName() + " sample --nfe 0 3>&2 2>/dev/null; echo \"rc=$?\"; } " + redirect + " \"$LOG\" 2>&1";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
        pb.environment().put("JAVA", java);
        pb.environment().put("CP", System.getProperty("java.class.path"));
        pb.environment().put("LOG", log.toString());
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Test void theErrorComesBeforeTheShellsNextLineInASharedLog(@TempDir Path dir) throws Exception {
        // reopening /dev/fd/3 by its path gave the program its own file position: "rc=1" landed over "error"
        assertEquals("error: --nfe must be >= 1, got 0\nrc=1\n", launched(dir, ">"));
        assertEquals("before\nerror: --nfe must be >= 1, got 0\nrc=1\n", launched(dir, ">>"));
    }

    @Test void withoutTheSettingOrWithADescriptorThatIsNotOpenStderrStays() {
        Main.adoptLauncherStderr();
        assertSame(original, System.err, "no setting");
        System.setProperty("timetuner.stderr-fd", "987");
        Main.adoptLauncherStderr();
        assertSame(original, System.err, "descriptor 987 is not open");
        System.setProperty("timetuner.stderr-fd", "three");
        Main.adoptLauncherStderr();
        assertSame(original, System.err, "not a number");
    }
}
