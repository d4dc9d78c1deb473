package org.timetuner4j.metrics;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The Fréchet distance of two Gaussians fitted to feature sets (the formula of FID):
 * d² = |μ₁ − μ₂|² + Tr(S₁ + S₂ − 2 (S₁ S₂)^{1/2}). S₁S₂ is not symmetric, so the trace of its
 * square root is taken through symmetric matrices only: (S₁S₂)^{1/2} is similar to
 * (√S₁ S₂ √S₁)^{1/2}, hence Tr (S₁S₂)^{1/2} = Σ √eig(√S₁ S₂ √S₁). Eigenvalues a rounding error
 * below zero (covariances of fewer vectors than dimensions are singular) count as zero.
 * Returns d² (what FID reports), not its root.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    public static double of(FeatureStatistics a, FeatureStatistics b) {
        if (a.dim() != b.dim()) throw new IllegalArgumentException("feature sets of dimension " + a.dim() + " and " + b.dim());
        double meanTerm = 0;
        for (int i = 0; i < a.dim(); i++) {
            double d = a.mean()[i] - b.mean()[i];
            meanTerm += d * d;
        }
        RealMatrix s1 = new Array2DRowRealMatrix(a.covariance(), false);
        RealMatrix s2 = new Array2DRowRealMatrix(b.covariance(), false);
        RealMatrix root1 = symmetricSqrt(s1);
        RealMatrix inner = symmetrize(root1.multiply(s2).multiply(root1));
        double traceSqrt = 0;
        for (double e : new EigenDecomposition(inner).getRealEigenvalues()) traceSqrt += Math.sqrt(Math.max(e, 0));
        return meanTerm + s1.getTrace() + s2.getTrace() - 2 * traceSqrt;
    }

    /** d² of two feature sets of {@code dim}-vectors. */
    public static double of(float[] a, int countA, float[] b, int countB, int dim) {
        return of(FeatureStatistics.of(a, countA, dim), FeatureStatistics.of(b, countB, dim));
    }

    /** The symmetric positive semi-definite square root V·diag(√max(λ, 0))·Vᵀ. */
    static RealMatrix symmetricSqrt(RealMatrix s) {
        EigenDecomposition e = new EigenDecomposition(symmetrize(s));
        RealMatrix v = e.getV();
        double[] lambda = e.getRealEigenvalues();
        int n = lambda.length;
        double[][] scaled = new double[n][n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) scaled[i][j] = v.getEntry(i, j) * Math.sqrt(Math.max(lambda[j], 0));
        return new Array2DRowRealMatrix(scaled, false).multiply(v.transpose());
    }

    /** (M + Mᵀ)/2: removes the rounding asymmetry a product leaves, so the symmetric solver applies. */
    private static RealMatrix symmetrize(RealMatrix m) {
        return m.add(m.transpose()).scalarMultiply(0.5);
    }
}
