package org.timetuner4j.metrics;

import org.junit.jupiter.api.Test;
import org.timetuner4j.io.Safetensors;
import org.timetuner4j.io.SafetensorsFile;
import org.timetuner4j.io.TensorData;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrechetDistanceTest {
    /**
     * Commuting covariances S₁ = Q D₁ Qᵀ, S₂ = Q D₂ Qᵀ (same rotation Q, so they are not diagonal):
     * the distance is |μ₁ − μ₂|² + Σ (√d₁ − √d₂)², the closed form of the 2-Wasserstein distance.
     */
    @Test void matchesTheClosedFormForCommutingCovariances() {
        int n = 7;
        Random rng = new Random(3);
        double[][] q = randomRotation(n, rng);
        double[] d1 = new double[n], d2 = new double[n], mu1 = new double[n], mu2 = new double[n];
        double expected = 0;
        for (int i = 0; i < n; i++) {
            d1[i] = 0.1 + 3 * rng.nextDouble();
            d2[i] = i == 0 ? 0 : 0.1 + 3 * rng.nextDouble();   // one singular direction
            mu1[i] = rng.nextGaussian();
            mu2[i] = rng.nextGaussian();
            expected += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + Math.pow(Math.sqrt(d1[i]) - Math.sqrt(d2[i]), 2);
        }
        double got = FrechetDistance.of(new FeatureStatistics(mu1, rotate(q, d1), 100), new FeatureStatistics(mu2, rotate(q, d2), 100));
        System.out.printf("closed form %.12f, computed %.12f%n", expected, got);
        assertEquals(expected, got, 1e-9 * expected);
    }

    /** Against numpy + scipy.linalg.sqrtm (the standard FID code), tools/make_frechet_fixtures.py. */
    @Test void matchesScipyOnRandomFeatureSets() throws Exception {
        SafetensorsFile f = Safetensors.read(Path.of("src/test/resources/fixtures/frechet/frechet.safetensors"));
        for (String name : new String[] {"small", "wide"}) {
            TensorData a = f.get(name + "_a"), b = f.get(name + "_b");
            double expected = Double.parseDouble(f.metadata().get(name));
            double got = FrechetDistance.of(a.values(), a.dim(0), b.values(), b.dim(0), a.dim(1));
            System.out.printf("%s: scipy %.12f, computed %.12f, relative difference %.2e%n", name, expected, got,
                    Math.abs(got - expected) / expected);
            assertEquals(expected, got, 1e-6 * expected, name);
        }
    }

    @Test void aSetIsAtDistanceZeroFromItself() throws Exception {
        TensorData a = Safetensors.read(Path.of("src/test/resources/fixtures/frechet/frechet.safetensors")).get("wide_a");
        FeatureStatistics s = FeatureStatistics.of(a.values(), a.dim(0), a.dim(1));
        double got = FrechetDistance.of(s, s), trace = 0;
        for (int i = 0; i < s.dim(); i++) trace += s.covariance()[i][i];
        System.out.printf("d(X, X) = %.3e (trace %.3f)%n", got, trace);
        assertTrue(Math.abs(got) < 1e-10 * trace, "d(X, X) = " + got);
    }

    @Test void refusesTooFewVectors() {
        assertThrows(IllegalArgumentException.class, () -> FeatureStatistics.of(new float[] {1, 2}, 1, 2));
    }

    private static double[][] rotate(double[][] q, double[] d) {
        int n = d.length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++) s[i][j] += q[i][k] * d[k] * q[j][k];
        return s;
    }

    /** Gram–Schmidt on a random Gaussian matrix: the columns of an orthogonal matrix. */
    private static double[][] randomRotation(int n, Random rng) {
        double[][] q = new double[n][n];
        for (int c = 0; c < n; c++) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = rng.nextGaussian();
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += v[i] * q[i][p];
                for (int i = 0; i < n; i++) v[i] -= dot * q[i][p];
            }
            double norm = 0;
            for (double x : v) norm += x * x;
            norm = Math.sqrt(norm);
            for (int i = 0; i < n; i++) q[i][c] = v[i] / norm;
        }
        return q;
    }
}
