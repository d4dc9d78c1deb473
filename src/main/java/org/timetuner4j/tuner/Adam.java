package org.timetuner4j.tuner;

/**
 * Adam for a few scalars, with PyTorch's semantics (β = (0.9, 0.999), ε = 1e-8, no weight decay):
 * m ← β1 m + (1−β1) g, v ← β2 v + (1−β2) g², p ← p − lr·m̂/(√v̂ + ε). Its state is plain numbers so
 * a checkpoint can hold it exactly.
 */
public final class Adam {
    private static final double BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;
    private final double lr;
    private final double[] m, v;
    private int step;

    public Adam(double lr, int size) {
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        this.lr = lr;
        this.m = new double[size];
        this.v = new double[size];
    }

    /** Restores a saved state. */
    public Adam(double lr, double[] m, double[] v, int step) {
        this.lr = lr;
        this.m = m.clone();
        this.v = v.clone();
        this.step = step;
    }

    public void update(double[] params, double[] grads) {
        step++;
        double c1 = 1 - Math.pow(BETA1, step), c2 = 1 - Math.pow(BETA2, step);
        for (int i = 0; i < params.length; i++) {
            m[i] = BETA1 * m[i] + (1 - BETA1) * grads[i];
            v[i] = BETA2 * v[i] + (1 - BETA2) * grads[i] * grads[i];
            params[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPS);
        }
    }

    /** An independent copy of this optimiser's state. */
    public Adam copy() { return new Adam(lr, m, v, step); }

    public double[] m() { return m.clone(); }

    public double[] v() { return v.clone(); }

    public int step() { return step; }
}
