package org.timetuner4j.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The bar's line ends once, before whatever a command prints next, however soon the bar closes. */
class ProgressLineTest {
    @Test void aBarClosedBeforeItsFirstRedrawStillEndsItsLine() {
        for (int run = 0; run < 20; run++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            try (ProgressLine line = new ProgressLine(out);
                 ProgressBar bar = new ProgressBarBuilder().setTaskName("tuning").setInitialMax(15).setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(line).setUpdateIntervalMillis(250).build()) {
                bar.refresh();
            }
            out.print("error: next");
            String text = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("tuning"), text);
            assertTrue(text.endsWith("\nerror: next"), "run " + run + ": " + text);
            assertEquals(1, text.chars().filter(c -> c == '\n').count(), "the line is ended once: " + text);
        }
    }

    @Test void withoutATerminalTheLineHasTheUsualWidth() {
        assumeTrue(System.console() == null, "a terminal's own width is JLine's to find");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressLine line = new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
            assertEquals(ProgressLine.WIDTH_WITHOUT_TERMINAL, line.getMaxRenderedLength());
            line.accept("x".repeat(200));
        }
        assertEquals(ProgressLine.WIDTH_WITHOUT_TERMINAL, bytes.toString(StandardCharsets.UTF_8).strip().length());
    }

    @Test void nothingDrawnNothingEnded() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressLine line = new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        line.close();
        line.accept("late frame");
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }
}
