package org.timetuner4j.cli;

import java.util.Locale;

/**
 * Where tune's progress bar stands: iterations finished over all tuned steps, so the bar reads
 * 20 % once the first of five steps is done, and a resumed run starts where the checkpoint left off.
 */
record TuneProgress(int steps, int iters) {
    long total() { return (long) steps * iters; }

    /** Iterations finished when {@code step} (0-based) has {@code finishedInStep} of its iterations done. */
    long done(int step, int finishedInStep) { return (long) step * iters + finishedInStep; }

    /** Columns the bar itself keeps at the least: the text after it gives way first. */
    static final int MIN_BAR = 10;

    /**
     * The text after the bar once iteration {@code iteration} (0-based) of {@code step} has
     * finished: the longest of "step, iteration, loss, ratios", "step, loss, ratios" and "step,
     * loss" that leaves the bar {@link #MIN_BAR} columns in a line {@code width} wide (the
     * terminal's; 79 without one). In full the text took the whole of an 80-column line.
     */
    String message(int step, int iteration, double loss, double[] ratios, int width) {
        StringBuilder rs = new StringBuilder();
        for (double v : ratios) rs.append(String.format(Locale.ROOT, " %.4f", v));
        String stepText = String.format(Locale.ROOT, "step %d/%d", step + 1, steps), lossText = String.format(Locale.ROOT, "loss %.4g", loss);
        String[] texts = {stepText + String.format(Locale.ROOT, " iteration %d/%d ", iteration + 1, iters) + lossText + " r" + rs,
                stepText + " " + lossText + " r" + rs, stepText + " " + lossText};
        for (String text : texts)
            if (aroundBar() + MIN_BAR + text.length() <= width) return text;
        return texts[texts.length - 1];
    }

    /**
     * Columns of the bar's line other than the bar and the text after it, as progressbar 0.10
     * draws it: "tuning  42% [", "] ", the counts "done/total", " (elapsed / left) " with room for
     * hours of two digits.
     */
    private int aroundBar() {
        int digits = Long.toString(total()).length();
        return "tuning 100% [".length() + "] ".length() + 2 * digits + 1 + " (00:00:00 / 00:00:00) ".length();
    }
}
