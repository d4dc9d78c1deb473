package org.timetuner4j.cli;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.autograd.Tape;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.Conv2dGeometry;
import org.timetuner4j.nn.Parameter;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * A short check that a backend computes what the CPU backend computes, run before
 * {@code --device auto} trusts it: a few ops (add, SiLU, conv2d, group norm, attention) and a
 * tiny UNet forward and backward (ε and the gradients w.r.t. x, t and the weights) on the same
 * inputs and weights. The first op that disagrees, or throws, is named in the result.
 */
final class DeviceSelfCheck {
    /** Relative tolerances: element-wise ops, and products whose summation order differs (TF32 included). */
    static final double ELEMENTWISE = 1e-4, PRODUCTS = 1e-2;

    /** The outcome: {@code failedOp} is null when every op agreed. */
    record Result(String failedOp, String detail, int ops, long millis) {
        boolean passed() { return failedOp == null; }

        String describe() {
            return passed() ? "passed (" + ops + " checks against the CPU backend, " + millis + " ms)"
                    : "failed at " + failedOp + ": " + detail;
        }
    }

    private record Check(String op, double tolerance, Function<Backend, List<float[]>> run) {}

    private DeviceSelfCheck() {}

    /** Runs every check on {@code candidate} and {@code reference}; stops at the first disagreement. */
    static Result run(Backend candidate, Backend reference) {
        long start = System.nanoTime();
        List<Check> checks = checks();
        for (Check c : checks) {
            String problem = compare(c, candidate, reference);
            if (problem != null) return new Result(c.op(), problem, checks.size(), (System.nanoTime() - start) / 1_000_000);
        }
        return new Result(null, null, checks.size(), (System.nanoTime() - start) / 1_000_000);
    }

    private static String compare(Check c, Backend candidate, Backend reference) {
        List<float[]> want = c.run().apply(reference);
        List<float[]> got;
        try {
            got = c.run().apply(candidate);
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        for (int k = 0; k < want.size(); k++) {
            float[] g = got.get(k), w = want.get(k);
            if (g.length != w.length) return "output " + k + " has " + g.length + " values, not " + w.length;
            double maxRef = 0, maxDiff = 0;
            for (int i = 0; i < w.length; i++) {
                maxRef = Math.max(maxRef, Math.abs(w[i]));
                double d = Math.abs((double) g[i] - w[i]);
                maxDiff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(maxDiff, d);
            }
            double rel = maxDiff / Math.max(maxRef, 1e-30);
            if (!(rel <= c.tolerance()))
                return String.format("output %d differs by %.1e relative (tolerance %.0e)", k, rel, c.tolerance());
        }
        return null;
    }

    private static float[] values(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static Tensor input(Backend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        return be.fromHost(values(seed, s.numel()), s);
    }

    /** The outputs of {@code f}, copied to the host, its tensors freed. */
    private static List<float[]> host(Backend be, Function<Backend, Tensor[]> f) {
        try (Scope scope = Scope.open()) {
            List<float[]> out = new ArrayList<>();
            for (Tensor t : f.apply(be)) out.add(t.toArray());
            return out;
        }
    }

    private static List<Check> checks() {
        List<Check> c = new ArrayList<>();
        c.add(new Check("add", ELEMENTWISE, be -> host(be, b -> new Tensor[] {
                b.add(input(b, 1, 2, 8, 6, 6), input(b, 2, 1, 8, 1, 6))})));
        c.add(new Check("silu", ELEMENTWISE, be -> host(be, b -> {
                Tensor x = input(b, 3, 4, 257);
                return new Tensor[] {b.silu(x), b.siluBackward(x, input(b, 4, 4, 257))};
        })));
        c.add(new Check("conv2d", PRODUCTS, be -> host(be, b -> new Tensor[] {
                b.conv2dForward(input(b, 5, 2, 16, 9, 7), input(b, 6, 24, 16, 3, 3), input(b, 7, 24), Conv2dGeometry.of(1, 1))})));
        c.add(new Check("group norm", PRODUCTS, be -> host(be, b -> {
                Tensor[] y = b.groupNormForward(input(b, 8, 2, 64, 5, 5), input(b, 9, 64), input(b, 10, 64), 32, 1e-6f);
                return new Tensor[] {y[0]};
        })));
        c.add(new Check("attention", PRODUCTS, be -> host(be, b -> {
                Tensor[] y = b.attentionForward(input(b, 11, 2, 32, 6, 6), input(b, 12, 2, 32, 6, 6), input(b, 13, 2, 32, 6, 6),
                        (float) (1 / Math.sqrt(32)));
                return new Tensor[] {y[0]};
        })));
        c.add(new Check("UNet forward and backward", PRODUCTS, DeviceSelfCheck::unet));
        return c;
    }

    /** ε, grad x, grad t and every weight gradient of a tiny UNet with attention, weights made on the host. */
    private static List<float[]> unet(Backend be) {
        // two levels (a downsample and an upsample), attention at 4×4: every kind of UNet layer, small
        UNetConfig cfg = new UNetConfig(32, 1, new int[] {1, 1}, 1, new int[] {4}, 0, 1, 8, true);
        UNet net = new UNet(be, cfg);
        long seed = 100;
        for (Parameter p : net.namedParameters().values()) {
            float[] v = values(seed++, p.shape().numel());
            for (int i = 0; i < v.length; i++) v[i] *= 0.2f;
            p.set(Scope.detach(be.fromHost(v, p.shape())));
        }
        net.train(false);
        net.requiresGrad(true);
        try (Scope scope = Scope.open(); Tape tape = Tape.record()) {
            Tensor x = input(be, 90, 2, 1, 8, 8).requiresGrad(true);
            Tensor t = be.fromHost(new float[] {17.5f, 830f}, Shape.of(2)).requiresGrad(true);
            Tensor eps = net.forward(x, t);
            tape.backward(Ops.sumOfSquares(eps));
            Map<String, float[]> out = new LinkedHashMap<>();
            out.put("eps", eps.toArray());
            out.put("grad x", x.grad().toArray());
            out.put("grad t", t.grad().toArray());
            for (Map.Entry<String, Parameter> e : net.namedParameters().entrySet())
                out.put("grad " + e.getKey(), e.getValue().value().grad().toArray());
            x.zeroGrad();
            t.zeroGrad();
            return new ArrayList<>(out.values());
        } finally {
            for (Parameter p : net.namedParameters().values()) {
                p.value().zeroGrad();
                p.value().close();
            }
        }
    }
}
