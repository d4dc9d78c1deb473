package org.timetuner4j.testing;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks an op's backward against central finite differences: with a fixed random R, the
 * scalar L = Σ f(inputs) ⊙ R is differentiated by the tape and by (L(x+h) − L(x−h)) / 2h,
 * evaluated in double from the float32 outputs, for up to {@code samples} coordinates per input.
 * The forward and backward must also free every tensor they create: the backend's live tensor
 * count returns to where it started.
 */
public final class GradCheck {
    private final Backend backend;
    private double eps = 1e-2;
    private double tol = 1e-3;
    private int samples = 24;

    public GradCheck(Backend backend) { this.backend = backend; }

    public GradCheck eps(double e) { this.eps = e; return this; }

    public GradCheck tol(double t) { this.tol = t; return this; }

    public GradCheck samples(int s) { this.samples = s; return this; }

    /** Returns the worst relative error seen. */
    public double check(String name, Function<Tensor[], Tensor> f, float[][] values, int[][] shapes, boolean[] differentiable) {
        Random rnd = new Random(name.hashCode());
        int k = values.length;
        float[] r;
        float[][] analytic = new float[k][];
        long liveBefore = backend.memory().liveTensors();
        try (Scope scope = Scope.open(); Tape tape = Tape.record()) {
            Tensor[] ins = new Tensor[k];
            for (int i = 0; i < k; i++)
                ins[i] = backend.fromHost(values[i], org.timetuner4j.tensor.Shape.of(shapes[i])).requiresGrad(differentiable[i]);
            Tensor out = f.apply(ins);
            r = Check.randomArray(rnd, out.numel(), 1.0);
            Tensor loss = Ops.sum(Ops.mul(out, backend.fromHost(r, out.shape())));
            tape.backward(loss);
            for (int i = 0; i < k; i++) {
                if (!differentiable[i]) continue;
                if (ins[i].grad() == null) fail(name + ": no gradient reached input " + i);
                analytic[i] = ins[i].grad().toArray();
                ins[i].zeroGrad();
            }
        }
        long leaked = backend.memory().liveTensors() - liveBefore;
        if (leaked != 0) fail(name + ": forward and backward left " + leaked + " tensors alive");
        double worst = 0;
        for (int i = 0; i < k; i++) {
            if (!differentiable[i]) continue;
            int n = values[i].length;
            int[] idx = pick(rnd, n);
            double maxAbs = 0;
            for (float g : analytic[i]) maxAbs = Math.max(maxAbs, Math.abs(g));
            for (int j : idx) {
                float plus = (float) (values[i][j] + eps), minus = (float) (values[i][j] - eps);
                double fd = (loss(f, values, shapes, i, j, plus, r) - loss(f, values, shapes, i, j, minus, r))
                        / ((double) plus - minus);
                double a = analytic[i][j];
                double err = Math.abs(fd - a) / Math.max(Math.max(Math.abs(fd), Math.abs(a)), 0.05 * maxAbs + 1e-6);
                worst = Math.max(worst, err);
                if (!(err <= tol))
                    fail(String.format("%s: input %d index %d: tape %.6g vs finite difference %.6g (rel %.2e > %.1e)",
                            name, i, j, a, fd, err, tol));
            }
        }
        System.out.printf("gradcheck %-36s worst rel %.2e%n", name, worst);
        return worst;
    }

    private int[] pick(Random rnd, int n) {
        if (n <= samples) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            return all;
        }
        int[] s = new int[samples];
        for (int i = 0; i < samples; i++) s[i] = rnd.nextInt(n);
        return s;
    }

    private double loss(Function<Tensor[], Tensor> f, float[][] values, int[][] shapes, int which, int index, float replacement, float[] r) {
        try (Scope scope = Scope.open()) {
            Tensor[] ins = new Tensor[values.length];
            for (int i = 0; i < values.length; i++) {
                float[] v = values[i];
                if (i == which) {
                    v = v.clone();
                    v[index] = replacement;
                }
                ins[i] = backend.fromHost(v, org.timetuner4j.tensor.Shape.of(shapes[i]));
            }
            float[] out = f.apply(ins).toArray();
            double s = 0;
            for (int m = 0; m < out.length; m++) s += (double) out[m] * r[m];
            return s;
        }
    }
}
