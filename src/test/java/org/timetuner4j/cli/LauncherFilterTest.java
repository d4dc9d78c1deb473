package org.timetuner4j.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher's stderr filter (./timetuner, sourced): drops the JVM's incubator notice and passes
 * everything else through at once, partial lines included, so the progress bars' \r frames show
 * while a run goes on.
 */
class LauncherFilterTest {
    private static final String NOTICE = "WARNING: Using incubator modules: jdk.incubator.vector\n";
    private Process filter;

    private void start() throws IOException {
        assertTrue(Files.isRegularFile(Path.of("timetuner")), "run from the repository root");
        filter = new ProcessBuilder("bash", "-c", "source ./timetuner && drop_incubator_notice").redirectErrorStream(true).start();
    }

    @AfterEach void stop() {
        if (filter != null) filter.destroyForcibly();
    }

    /** Asserts that {@code expected} arrives on the filter's output within a few seconds, while its input stays open. */
    private void assertArrives(String expected) throws Exception {
        assertEquals(expected, arrived(expected.getBytes(StandardCharsets.UTF_8).length));
    }

    private String arrived(int expectedBytes) throws Exception {
        InputStream in = filter.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (got.size() < expectedBytes && System.nanoTime() < deadline) {
            if (in.available() > 0) got.write(in.read());
            else Thread.sleep(5);
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private void send(String s) throws IOException {
        OutputStream out = filter.getOutputStream();
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Test void progressFramesWithoutANewlinePassAtOnce() throws Exception {
        start();
        send(NOTICE + "\rsampling  10% [==  ]");
        assertArrives("\rsampling  10% [==  ]");
        send("\rsampling  20% [=== ]");
        assertArrives("\rsampling  20% [=== ]");
        send("\nerror: done\n");
        filter.getOutputStream().close();
        assertEquals("\nerror: done\n", new String(filter.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, filter.waitFor());
    }

    @Test void theJvmsOtherStartupLinesStayAndOnlyTheNoticeGoes() throws Exception {
        start();
        String picked = "Picked up JAVA_TOOL_OPTIONS: -Xmx1g\n";
        send(picked + NOTICE + "\rtuning   5%");
        assertArrives(picked + "\rtuning   5%");
        filter.getOutputStream().close();
        filter.waitFor();
    }

    @Test void withoutTheNoticeNothingIsDropped() throws Exception {
        start();
        send("timetuner dev\n" + NOTICE + "\rframe");
        assertArrives("timetuner dev\n" + NOTICE + "\rframe");
        filter.getOutputStream().close();
        filter.waitFor();
    }
}
