package org.timetuner4j.testing;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;

/**
 * One backward case of an op family's table: f's tape gradient against central finite
 * differences ({@link GradCheck}) for every input. Inputs are N(0, 1) draws seeded by the name
 * unless {@link #at} gives them (e.g. small times, where float32 keeps enough digits).
 */
public record GradCase(String name, Function<Tensor[], Tensor> f, int[][] shapes, float[][] values, double eps) {
    private static final double DEFAULT_EPS = 1e-2;

    public static GradCase of(String name, Function<Tensor[], Tensor> f, int[]... shapes) {
        Random r = new Random(name.hashCode());
        float[][] v = new float[shapes.length][];
        for (int i = 0; i < shapes.length; i++) v[i] = Check.randomArray(r, Shape.of(shapes[i]).numel(), 1.0);
        return new GradCase(name, f, shapes, v, DEFAULT_EPS);
    }

    /** Shape helper for one-line table entries: {@code dims(2, 3, 4, 5)}. */
    public static int[] dims(int... d) { return d; }

    public GradCase at(float[]... given) { return new GradCase(name, f, shapes, given, eps); }

    public GradCase eps(double e) { return new GradCase(name, f, shapes, values, e); }

    /** Runs the check on the backend; fails with the worst coordinate. */
    public void check(Backend backend) {
        boolean[] all = new boolean[shapes.length];
        Arrays.fill(all, true);
        new GradCheck(backend).eps(eps).check(name, f, values, shapes, all);
    }

    @Override public String toString() { return name; }
}
