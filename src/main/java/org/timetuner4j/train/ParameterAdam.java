package org.timetuner4j.train;

/**
 * Adam over the flattened weights of a network, in float32 like PyTorch's (β = (0.9, 0.999),
 * ε = 1e-8, no weight decay): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², w ← w − lr·m̂/(√v̂ + ε).
 * Its state is two float arrays and a step count, so a checkpoint holds it exactly.
 */
public final class ParameterAdam {
    private static final float BETA1 = 0.9f, BETA2 = 0.999f;
    private static final double EPS = 1e-8;
    private final float[] m, v;
    private long step;

    public ParameterAdam(int size) {
        this(new float[size], new float[size], 0);
    }

    public ParameterAdam(float[] m, float[] v, long step) {
        if (m.length != v.length) throw new IllegalArgumentException("Adam state of unequal sizes");
        this.m = m;
        this.v = v;
        this.step = step;
    }

    /** One update of {@code w} by gradient {@code g} at learning rate {@code lr}. */
    public void update(float[] w, float[] g, double lr) {
        if (w.length != m.length || g.length != m.length) throw new IllegalArgumentException("Adam: size mismatch");
        step++;
        double c1 = 1 - Math.pow(BETA1, step), c2 = 1 - Math.pow(BETA2, step);
        float stepSize = (float) (lr / c1);
        float invSqrtC2 = (float) (1 / Math.sqrt(c2));
        for (int i = 0; i < w.length; i++) {
            float gi = g[i];
            float mi = BETA1 * m[i] + (1 - BETA1) * gi;
            float vi = BETA2 * v[i] + (1 - BETA2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            w[i] -= stepSize * mi / (float) (Math.sqrt(vi) * invSqrtC2 + EPS);
        }
    }

    public float[] m() { return m; }

    public float[] v() { return v; }

    public long step() { return step; }
}
