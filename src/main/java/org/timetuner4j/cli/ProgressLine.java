package org.timetuner4j.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/**
 * The console line a progress bar draws on, ended exactly once. The bar (progressbar 0.10.1)
 * skips ending its line when it is closed before its first scheduled redraw — a run that fails
 * at once — so an error printed next would share the bar's line; and a redraw already under way
 * when it closes could land after the line was ended. Commands open it as the first resource of
 * the bar's try, so it closes after the bar.
 */
final class ProgressLine extends ConsoleProgressBarConsumer {
    private final PrintStream out;
    /** Ends the line when the JVM stops while it is open (Ctrl-C, kill): the shell's prompt then starts a line of its own. */
    private final Thread onExit;
    private boolean drawn, ended;

    /**
     * The width when there is no terminal (output to a file or a pipe): what the bar's JLine
     * reports then, without starting JLine, whose terminal probing took 0.08-0.13 s of CPU in the
     * middle of a run's first network call.
     */
    static final int WIDTH_WITHOUT_TERMINAL = 79;

    ProgressLine(PrintStream out) {
        this(out, null);
    }

    /** With {@code interrupted}: a line printed after the bar's when the JVM stops while the bar is open (what a rerun can do). */
    ProgressLine(PrintStream out, String interrupted) {
        super(out, System.console() == null ? WIDTH_WITHOUT_TERMINAL : -1);  // -1: the terminal's width
        this.out = out;
        onExit = new Thread(() -> endAtExit(interrupted), "timetuner-progress-exit");
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    private synchronized void endAtExit(String interrupted) {
        if (ended) return;
        ended = true;
        if (drawn) out.println();
        if (interrupted != null) out.println(interrupted);
        out.flush();
    }

    /** A bar on this line, as every command draws one: ASCII, named {@code task}, redrawn every {@code redrawMillis}. */
    ProgressBarBuilder bar(String task, long max, int redrawMillis) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(this).setUpdateIntervalMillis(redrawMillis);
    }

    @Override public synchronized void accept(String frame) {
        if (ended) return;
        drawn = true;
        super.accept(frame);
    }

    @Override public synchronized void close() {
        if (ended) return;
        ended = true;
        if (drawn) super.close();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException e) {
            // the JVM is already stopping: the hook finds the line ended
        }
    }
}
