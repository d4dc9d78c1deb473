package org.timetuner4j.train;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Augmentation: each image moved by whole pixels (dx, dy) uniform in ±max; uncovered pixels take the background value. */
final class RandomShift {
    private RandomShift() {}

    /** Shifts each of the {@code count} c×h×w images of {@code x} in place. */
    static void apply(float[] x, int count, int c, int h, int w, int max, float background, SplittableRandom rng) {
        if (max == 0) return;
        float[] plane = new float[h * w];
        for (int k = 0; k < count; k++) {
            int dx = rng.nextInt(2 * max + 1) - max, dy = rng.nextInt(2 * max + 1) - max;
            for (int ch = 0; ch < c; ch++) {
                int o = (k * c + ch) * h * w;
                Arrays.fill(plane, background);
                for (int y = Math.max(0, dy); y < Math.min(h, h + dy); y++)
                    System.arraycopy(x, o + (y - dy) * w + Math.max(0, -dx), plane, y * w + Math.max(0, dx), w - Math.abs(dx));
                System.arraycopy(plane, 0, x, o, h * w);
            }
        }
    }
}
