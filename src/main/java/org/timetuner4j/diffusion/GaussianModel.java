package org.timetuner4j.diffusion;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

/**
 * The exact noise predictor for data N(M, S²·I) (every pixel independent):
 * E[ε | x_t] = σ_t (x_t − α_t M) / (α_t² S² + σ_t²). Its probability-flow ODE has the closed-form
 * solution x_t = α_t M + √(v_t / v_s)·(x_s − α_s M) with v_t = α_t² S² + σ_t². The ground truth
 * the solver and tuner tests use, and a teaching/debugging model:
 * {@code gaussian:mean=M,std=S,shape=CxHxW[,schedule=discrete|linear|cosine]}.
 */
public final class GaussianModel implements NoisePredictor {
    /** The largest tensor the engine holds (one Java array). */
    private static final long MAX_SAMPLE_VALUES = Integer.MAX_VALUE - 8;

    private final double mean, std;
    private final int[] shape;
    private final NoiseSchedule schedule;

    public GaussianModel(double mean, double std, int[] shape, NoiseSchedule schedule) {
        if (!Double.isFinite(mean)) throw new IllegalArgumentException("gaussian model: mean must be a finite number, got " + mean);
        if (!(std > 0) || !Double.isFinite(std)) throw new IllegalArgumentException("gaussian model: std must be > 0 and finite, got " + std);
        if (shape.length != 3) throw new IllegalArgumentException("gaussian model: shape must be CxHxW");
        for (int d : shape) if (d <= 0) throw new IllegalArgumentException("gaussian model: shape dimensions must be > 0");
        long values = (long) shape[0] * shape[1] * shape[2];
        if (values > MAX_SAMPLE_VALUES)
            throw new IllegalArgumentException("gaussian model: shape " + shape[0] + "x" + shape[1] + "x" + shape[2] + " has "
                    + values + " values per sample; at most " + MAX_SAMPLE_VALUES + " fit in one tensor");
        this.mean = mean;
        this.std = std;
        this.shape = shape.clone();
        this.schedule = schedule;
    }

    /** Parses {@code gaussian:mean=M,std=S,shape=CxHxW[,schedule=discrete|linear|cosine]}. */
    public static GaussianModel parse(String spec) {
        if (!spec.startsWith("gaussian:")) throw new IllegalArgumentException("not a gaussian model spec: " + spec);
        double m = 0, s = 1;
        int[] sh = {1, 8, 8};
        NoiseSchedule sched = DiscreteSchedule.ddpm();
        for (String part : spec.substring("gaussian:".length()).split(",")) {
            if (part.isBlank()) continue;
            String[] kv = part.split("=", 2);
            if (kv.length != 2) throw new IllegalArgumentException("gaussian model: expected key=value, got '" + part + "'");
            String k = kv[0].trim(), v = kv[1].trim();
            try {
                switch (k) {
                    case "mean" -> m = Double.parseDouble(v);
                    case "std" -> s = Double.parseDouble(v);
                    case "shape" -> {
                        String[] d = v.split("x");
                        if (d.length != 3) throw new IllegalArgumentException("gaussian model: shape must be CxHxW, got '" + v + "'");
                        sh = new int[] {Integer.parseInt(d[0]), Integer.parseInt(d[1]), Integer.parseInt(d[2])};
                    }
                    case "schedule" -> sched = switch (v) {
                        case "discrete" -> DiscreteSchedule.ddpm();
                        case "linear" -> LinearSchedule.vpsde();
                        case "cosine" -> new CosineSchedule(1000);
                        default -> throw new IllegalArgumentException("gaussian model: schedule must be discrete, linear or cosine, got '" + v + "'");
                    };
                    default -> throw new IllegalArgumentException("gaussian model: unknown key '" + k + "' (mean, std, shape, schedule)");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("gaussian model: '" + v + "' is not a number (" + k + ")");
            }
        }
        return new GaussianModel(m, s, sh, sched);
    }

    public double mean() { return mean; }

    public double std() { return std; }

    @Override public int[] sampleShape() { return shape.clone(); }

    @Override public NoiseSchedule schedule() { return schedule; }

    private double variance(double t) {
        double a = schedule.alpha(t), s = schedule.sigma(t);
        return a * a * std * std + s * s;
    }

    /** c1(t) = σ/v. */
    private double c1(double t) { return schedule.sigma(t) / variance(t); }

    private double c1Slope(double t) {
        double a = schedule.alpha(t), s = schedule.sigma(t), da = schedule.alphaSlope(t), ds = schedule.sigmaSlope(t);
        double v = variance(t), dv = 2 * a * da * std * std + 2 * s * ds;
        return (ds * v - s * dv) / (v * v);
    }

    /** c2(t) = σ·α·M/v. */
    private double c2(double t) { return c1(t) * schedule.alpha(t) * mean; }

    private double c2Slope(double t) {
        return (c1Slope(t) * schedule.alpha(t) + c1(t) * schedule.alphaSlope(t)) * mean;
    }

    @Override
    public Tensor predictNoise(Tensor x, Tensor t) {
        try (Scope scope = Scope.open()) {
            Tensor a = TimeCoefficients.asColumn(Ops.timeFunction(t, this::c1, this::c1Slope));
            Tensor b = TimeCoefficients.asColumn(Ops.timeFunction(t, this::c2, this::c2Slope));
            return scope.keep(Ops.sub(Ops.mul(a, x), b));
        }
    }

    /** The exact probability-flow ODE map of x from time s to time t (double precision, host). */
    public double[] exactFlow(double[] x, double s, double t) {
        double as = schedule.alpha(s), at = schedule.alpha(t);
        double k = Math.sqrt(variance(t) / variance(s));
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = at * mean + k * (x[i] - as * mean);
        return out;
    }

    /** A tensor of draws from the data distribution (Philox). */
    public Tensor sampleData(Backend be, int batch, long seed) {
        int d = shape[0] * shape[1] * shape[2];
        Tensor z = be.randn(org.timetuner4j.tensor.Shape.of(batch, shape[0], shape[1], shape[2]), seed, 0);
        Tensor out = be.affine(z, (float) std, (float) mean);
        z.close();
        return out;
    }
}
