package org.timetuner4j.train;

import org.junit.jupiter.api.Test;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.metrics.DigitJudge;
import org.timetuner4j.nn.Parameter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierTrainerTest {
    private static final int PIXELS = 28 * 28;

    /** Class 0: every pixel −0.5; class 1: every pixel +0.5 (with a little noise). */
    static ImageSet twoConstantClasses(int n) {
        float[] x = new float[n * PIXELS];
        int[] y = new int[n];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            for (int p = 0; p < PIXELS; p++) x[i * PIXELS + p] = (y[i] == 0 ? -0.5f : 0.5f) + (float) (0.1 * (r.nextDouble() - 0.5));
        }
        return new ImageSet(x, n, new int[] {1, 28, 28}, y);
    }

    @Test void learnsATwoClassProblem() {
        ImageSet d = twoConstantClasses(32);
        ClassifierTrainer t = new ClassifierTrainer(d, new ClassifierSettings(3, 8, 3e-3, 1, 0), CpuBackend.INSTANCE);
        assertEquals(12, t.totalSteps());
        List<Double> losses = new ArrayList<>();
        while (t.step() < t.totalSteps()) losses.add(t.trainStep().loss());
        System.out.println("two-class losses " + losses);
        double first = losses.get(0), last = losses.get(losses.size() - 1);
        assertTrue(first > 1.0, "an untrained 10-way classifier is near ln 10, got " + first);
        assertTrue(last < 0.1 * first, "loss fell from " + first + " to " + last);
        int[] all = new int[d.size()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        assertEquals(1.0, new DigitJudge(t.classifier(), 16).judge(d.gather(all), d.size()).accuracy(d.labels(all)));
    }

    @Test void aSeedDeterminesTheRun() {
        ImageSet d = twoConstantClasses(24);
        float[] a = run(d, 5), b = run(d, 5), c = run(d, 6);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    private static float[] run(ImageSet d, long seed) {
        ClassifierTrainer t = new ClassifierTrainer(d, new ClassifierSettings(1, 8, 1e-3, seed, 2), CpuBackend.INSTANCE);
        while (t.step() < t.totalSteps()) t.trainStep();
        List<Float> all = new ArrayList<>();
        for (Parameter p : t.classifier().namedParameters().values()) for (float v : p.value().toArray()) all.add(v);
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) out[i] = all.get(i);
        return out;
    }

    @Test void eachEpochVisitsEveryImageOnce() {
        ClassifierTrainer t = new ClassifierTrainer(twoConstantClasses(24), new ClassifierSettings(2, 8, 1e-3, 9, 0), CpuBackend.INSTANCE);
        for (int epoch = 0; epoch < 2; epoch++) {
            Set<Integer> seen = new HashSet<>();
            for (int s = 0; s < 3; s++) for (int i : t.batchIndices(epoch * 3L + s)) seen.add(i);
            assertEquals(24, seen.size());
        }
        assertFalse(Arrays.equals(t.batchIndices(0), t.batchIndices(3)), "each epoch has its own order");
    }

    @Test void shiftsMoveWholeImagesByAtMostMaxAndFillWithBackground() {
        int n = 40, h = 6, w = 5;
        float[] x = new float[n * h * w];
        for (int i = 0; i < x.length; i++) x[i] = i;  // every pixel unique
        float[] shifted = x.clone();
        RandomShift.apply(shifted, n, 1, h, w, 2, -1f, new SplittableRandom(4));
        Set<String> used = new HashSet<>();
        for (int k = 0; k < n; k++) {
            String found = null;
            for (int dy = -2; dy <= 2 && found == null; dy++)
                for (int dx = -2; dx <= 2 && found == null; dx++)
                    if (matches(x, shifted, k, h, w, dx, dy)) found = dx + "," + dy;
            assertTrue(found != null, "image " + k + " is not a shift of the original by at most 2 pixels");
            used.add(found);
        }
        assertTrue(used.size() > 10, "shifts used: " + used);
        float[] same = x.clone();
        RandomShift.apply(same, n, 1, h, w, 0, -1f, new SplittableRandom(4));
        assertArrayEquals(x, same);
    }

    private static boolean matches(float[] x, float[] s, int k, int h, int w, int dx, int dy) {
        for (int y = 0; y < h; y++)
            for (int c = 0; c < w; c++) {
                int sy = y - dy, sc = c - dx;
                float want = sy >= 0 && sy < h && sc >= 0 && sc < w ? x[k * h * w + sy * w + sc] : -1f;
                if (s[k * h * w + y * w + c] != want) return false;
            }
        return true;
    }

    @Test void refusesDataItCannotTrainOn() {
        ImageSet unlabeled = new ImageSet(new float[2 * PIXELS], 2, new int[] {1, 28, 28}, null);
        ClassifierSettings s = new ClassifierSettings(1, 2, 1e-3, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> new ClassifierTrainer(unlabeled, s, CpuBackend.INSTANCE));
        ImageSet small = new ImageSet(new float[2 * 64], 2, new int[] {1, 8, 8}, new int[] {0, 1});
        assertThrows(IllegalArgumentException.class, () -> new ClassifierTrainer(small, s, CpuBackend.INSTANCE));
        ImageSet eleven = new ImageSet(new float[2 * PIXELS], 2, new int[] {1, 28, 28}, new int[] {0, 10});
        assertThrows(IllegalArgumentException.class, () -> new ClassifierTrainer(eleven, s, CpuBackend.INSTANCE));
        assertThrows(IllegalArgumentException.class, () -> new ClassifierTrainer(twoConstantClasses(4),
                new ClassifierSettings(1, 8, 1e-3, 0, 0), CpuBackend.INSTANCE));
    }
}
