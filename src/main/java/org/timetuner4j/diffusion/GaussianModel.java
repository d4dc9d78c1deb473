package org.timetuner4j.diffusion;

import org.timetuner4j.autograd.Ops;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.data.GaussianDistribution;
import org.timetuner4j.data.GaussianSpec;
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
    private final GaussianDistribution data;
    private final double mean, std;
    private final int[] shape;
    private final NoiseSchedule schedule;
    private final Backend backend;

    /** The model on the CPU backend. */
    public GaussianModel(double mean, double std, int[] shape, NoiseSchedule schedule) {
        this(new GaussianDistribution(mean, std, shape), schedule, CpuBackend.INSTANCE);
    }

    /** The model for a data distribution; its samples start on {@code backend}. */
    public GaussianModel(GaussianDistribution data, NoiseSchedule schedule, Backend backend) {
        this.data = data;
        this.mean = data.mean();
        this.std = data.std();
        this.shape = data.shape();
        this.schedule = schedule;
        this.backend = backend;
    }

    /** Parses {@code gaussian:mean=M,std=S,shape=CxHxW[,schedule=discrete|linear|cosine]} (a CPU model). */
    public static GaussianModel parse(String spec) {
        return parse(spec, CpuBackend.INSTANCE);
    }

    /** As {@link #parse(String)}, for a model whose samples start on {@code backend}. */
    public static GaussianModel parse(String spec, Backend backend) {
        GaussianSpec g = GaussianSpec.parse(spec);
        NoiseSchedule sched = switch (g.schedule()) {
            case "linear" -> LinearSchedule.vpsde();
            case "cosine" -> new CosineSchedule(1000);
            default -> DiscreteSchedule.ddpm();
        };
        return new GaussianModel(g.data(), sched, backend);
    }

    /** The data distribution N(M, S²·I) this model denoises. */
    public GaussianDistribution data() { return data; }

    @Override public Backend backend() { return backend; }

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
