package org.timetuner4j.cli;

/** --guidance-scale: classifier-free guidance, which needs a class to guide towards. */
final class GuidanceOption {
    /** Beyond this the guided prediction is dominated by the difference term and samples saturate. */
    static final double MAX = 50;

    private GuidanceOption() {}

    static void check(double scale, ClassLabels classes) {
        if (!(scale >= 0 && scale <= MAX))
            throw new IllegalArgumentException("--guidance-scale must be between 0 (unconditional) and " + (int) MAX
                    + " (1 = no guidance), got " + scale);
        if (scale == 1.0) return;
        if (classes.numClasses() == 0)
            throw new IllegalArgumentException("--guidance-scale needs a class-conditional model; this model has no classes");
        if (!classes.conditional())
            throw new IllegalArgumentException("--guidance-scale needs --class-label (a label or all)");
    }
}
