package org.timetuner4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's class-data archive (./timetuner, sourced, with java replaced by a stub that
 * writes the archive it is asked for): made once per jar, used by later runs, made again when
 * the jar changes, and neither used nor tried again after a run that could not make it.
 */
class LauncherClassDataTest {
    @TempDir Path root;

    /** Calls class_data_options; returns its output, then the stub's calls so far. */
    private List<String> options(boolean stubSucceeds) throws Exception {
        assertTrue(Files.isRegularFile(Path.of("timetuner")), "run from the repository root");
        String stub = stubSucceeds
                ? "java() { echo call >> \"$ROOT/calls\"; for a; do [[ $a == -XX:ArchiveClassesAtExit=* ]] && echo archive > \"${a#*=}\"; done; return 0; }"
                : "java() { echo call >> \"$ROOT/calls\"; return 1; }";
        String script = "source ./timetuner && ROOT='" + root + "' && JAR=\"$ROOT/target/timetuner.jar\" && GC_OPTS=() && " + stub
                + " && class_data_options 2>/dev/null; echo \"calls $(cat \"$ROOT/calls\" 2>/dev/null | wc -l)\"";
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().toList();
    }

    private void newJar(long mtimeSeconds) throws IOException {
        Path jar = root.resolve("target/timetuner.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "jar " + mtimeSeconds);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(mtimeSeconds * 1000));
    }

    @Test void madeOnceAndUsedUntilTheJarChanges() throws Exception {
        newJar(1_000_000);
        String use = "-XX:SharedArchiveFile=" + root.resolve("target/timetuner.jsa");
        assertEquals(List.of(use, "-Xlog:cds=off,cds+dynamic=off", "calls 1"), options(true));
        assertEquals(List.of(use, "-Xlog:cds=off,cds+dynamic=off", "calls 1"), options(true), "the second run uses it");
        newJar(2_000_000);
        assertEquals(List.of(use, "-Xlog:cds=off,cds+dynamic=off", "calls 2"), options(true), "a new jar makes it again");
    }

    @Test void aFailedArchivingIsNotUsedNorRetried() throws Exception {
        newJar(1_000_000);
        assertEquals(List.of("calls 1"), options(false));
        assertEquals(List.of("calls 1"), options(false));
        assertTrue(Files.notExists(root.resolve("target/timetuner.jsa")));
    }
}
