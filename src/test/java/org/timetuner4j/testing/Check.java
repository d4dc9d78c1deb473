package org.timetuner4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

/** Comparisons that print the worst error, llm.c style, and fail with it. */
public final class Check {
    private Check() {}

    /** max |a−b| / max|expected|; fails above tol. Returns the error. */
    public static double maxRelative(String what, float[] actual, float[] expected, double tol) {
        if (actual.length != expected.length) fail(what + ": length " + actual.length + " vs " + expected.length);
        double maxRef = 0, maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < expected.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(expected[i]));
            double d = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(d)) { maxDiff = Double.POSITIVE_INFINITY; worst = i; break; }
            if (d > maxDiff) { maxDiff = d; worst = i; }
        }
        double rel = maxDiff / Math.max(maxRef, 1e-30);
        System.out.printf("%-48s max|diff| %.3e  max|ref| %.3e  rel %.3e%n", what, maxDiff, maxRef, rel);
        if (!(rel <= tol))
            fail(String.format("%s: relative error %.3e > %.1e (worst at %d: %s vs %s)", what, rel, tol, worst,
                    worst >= 0 ? actual[worst] : "-", worst >= 0 ? expected[worst] : "-"));
        return rel;
    }

    public static float[] randomArray(java.util.Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * scale);
        return a;
    }
}
