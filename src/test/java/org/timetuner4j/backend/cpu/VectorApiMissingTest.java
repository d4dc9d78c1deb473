package org.timetuner4j.backend.cpu;

import org.junit.jupiter.api.Test;
import org.timetuner4j.testing.ForkedJvm;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A JVM started without --add-modules jdk.incubator.vector: one clear line naming the flag. */
class VectorApiMissingTest {
    private static final String FLAG = "--add-modules jdk.incubator.vector";

    @Test void theCommandLineEndsWithOneErrorLineNamingTheFlag() throws Exception {
        for (String command : List.of("info", "sample")) {
            List<String> args = command.equals("info") ? List.of("info")
                    : List.of("sample", "--model", "gaussian:shape=1x4x4", "--device", "cpu", "--out", "target/never-written.png");
            ForkedJvm.Result r = ForkedJvm.run(List.of(), "org.timetuner4j.cli.Main", args.toArray(String[]::new));
            assertEquals(1, r.exitCode(), r.stderr());
            String[] lines = r.stderr().strip().split("\n");
            assertEquals(1, lines.length, r.stderr());
            assertTrue(lines[0].startsWith("error: ") && lines[0].contains(FLAG), lines[0]);
        }
    }

    @Test void aLibraryUserGetsAnErrorWhoseMessageNamesTheFlag() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of(), CpuBackendProbe.class.getName());
        assertTrue(r.exitCode() != 0, r.stdout());
        String first = r.stderr().lines().findFirst().orElse("");
        assertTrue(first.contains(VectorApiMissingError.class.getName()) && first.contains(FLAG), r.stderr());
        assertFalse(r.stderr().contains("ExceptionInInitializerError"), r.stderr());
    }

    @Test void withTheFlagTheBackendStarts() throws Exception {
        ForkedJvm.Result r = ForkedJvm.run(List.of("--add-modules", "jdk.incubator.vector"), CpuBackendProbe.class.getName());
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals("backend cpu", r.stdout().strip());
    }
}
