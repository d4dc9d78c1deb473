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

    /** The text after the bar once iteration {@code iteration} (0-based) of {@code step} has finished. */
    String message(int step, int iteration, double loss, double[] ratios) {
        StringBuilder rs = new StringBuilder();
        for (double v : ratios) rs.append(String.format(Locale.ROOT, " %.4f", v));
        return String.format(Locale.ROOT, "step %d/%d iteration %d/%d loss %.4g r%s", step + 1, steps, iteration + 1, iters, loss, rs);
    }
}
