package org.timetuner4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    private static final int L = VectorMath.S.length();

    private static float[] exp(float[] x) {
        float[] y = new float[x.length];
        VectorMath.exp(x, 0, 1f, 0f, y, 0, x.length);
        return y;
    }

    /** e^(a·x + b) over a range that ends in a partial vector, from and to offsets, in place too. */
    @Test void expOfAnAffineArgumentOverARangeWithATail() {
        Random r = new Random(4);
        int n = 5 * L + 7, at = 3;
        float[] x = new float[at + n + 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 4;
        float a = -0.75f, b = 1.5f;
        float[] y = new float[n + 5];
        VectorMath.exp(x, at, a, b, y, 2, n);
        float[] inPlace = x.clone();
        VectorMath.exp(inPlace, at, a, b, inPlace, at, n);
        for (int i = 0; i < n; i++) {
            double want = Math.exp(a * x[at + i] + b);
            assertTrue(Math.abs(y[2 + i] - want) <= 2 * Math.ulp((float) want), i + ": " + y[2 + i] + " vs " + want);
            assertEquals(y[2 + i], inPlace[at + i], i + " in place");
        }
        assertEquals(0f, y[0]);
        assertEquals(0f, y[1]);
        for (int i = n + 2; i < y.length; i++) assertEquals(0f, y[i], "written past n at " + i);
        assertEquals(x[at - 1], inPlace[at - 1]);
        assertEquals(x[at + n], inPlace[at + n]);
    }

    @Test void expIsWithinTwoUlpOfMathExpOverItsRange() {
        int n = 200_000 / L * L;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87f + 175f * i / (n - 1);
        float[] y = exp(x);
        double worstUlps = 0;
        for (int i = 0; i < n; i++) {
            double want = Math.exp(x[i]);
            worstUlps = Math.max(worstUlps, Math.abs(y[i] - want) / Math.ulp((float) want));
        }
        System.out.printf("VectorMath.exp: worst %.2f ulp on [-87, 88]%n", worstUlps);
        assertTrue(worstUlps <= 2, "worst error " + worstUlps + " ulp");
    }

    @Test void expClampsInsteadOfOverflowing() {
        float[] x = new float[L];
        for (int i = 0; i < L; i++) x[i] = i % 2 == 0 ? 1000f : -1000f;
        float[] y = exp(x);
        for (int i = 0; i < L; i++) {
            assertTrue(Float.isFinite(y[i]), "exp(" + x[i] + ") = " + y[i]);
            if (x[i] > 0) assertTrue(y[i] > 1e38f); else assertTrue(y[i] >= 0f && y[i] < 1e-37f);
        }
        assertEquals(1f, exp(new float[L])[0]);
    }

    /** The clamp is taken per vector only when a lane needs it: the other lanes of that vector stay exact. */
    @Test void oneLaneOutOfRangeLeavesTheOthersExactAndNaNStaysNaN() {
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 500f, -500f, 88f, -87f};
        for (float special : specials) {
            float[] x = new float[2 * L];
            for (int i = 0; i < x.length; i++) x[i] = -3f + 0.37f * i;
            x[L / 2] = special;
            float[] y = exp(x);
            for (int i = 0; i < x.length; i++) {
                if (i == L / 2) continue;
                double want = Math.exp(x[i]);
                assertEquals(want, y[i], 2 * Math.ulp((float) want), "lane " + i + " next to " + special);
            }
            float got = y[L / 2];
            if (Float.isNaN(special)) assertTrue(Float.isNaN(got), "exp(NaN) = " + got);
            else if (special > 88.4f) assertTrue(got > 1e38f && Float.isFinite(got), "exp(" + special + ") = " + got);
            else if (special < -87.4f) assertTrue(got >= 0f && got < 1e-37f, "exp(" + special + ") = " + got);
            else assertEquals(Math.exp(special), got, 2 * Math.ulp((float) Math.exp(special)), "exp(" + special + ")");
        }
    }

    /** The point of the class: the same bits before and after the JIT has compiled the loop. */
    @Test void resultsDoNotChangeOnceTheCodeIsCompiled() {
        Random r = new Random(3);
        float[] x = new float[64 * L];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian() * 10;
        float[] first = exp(x);
        double firstSum = 0;
        for (int i = 0; i + L <= x.length; i += L) firstSum += VectorMath.sumLanes(FloatVector.fromArray(VectorMath.S, x, i));
        for (int k = 0; k < 20_000; k++) {
            float[] again = exp(x);
            double sum = 0;
            for (int i = 0; i + L <= x.length; i += L) sum += VectorMath.sumLanes(FloatVector.fromArray(VectorMath.S, x, i));
            if (k % 1000 == 0 || k == 19_999) {
                assertArrayEquals(first, again, "exp changed at repetition " + k);
                assertEquals(firstSum, sum, 0.0, "sumLanes changed at repetition " + k);
            }
        }
    }
}
