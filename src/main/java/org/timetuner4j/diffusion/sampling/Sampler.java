package org.timetuner4j.diffusion.sampling;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.solvers.Ratios;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.diffusion.solvers.Stepper;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.Arrays;

/**
 * Runs a solver over its plan, in batches, with optional tuned ratios, on the model's backend. Sampling records nothing
 * on the tape. Sample k of a run always gets the same noise for a seed, whatever the batching.
 * <pre>
 * Sampler s = Sampler.builder(model).solver("ddim").nfe(10).trajectory(Trajectory.OFFICIAL).build();
 * float[] images = s.sample(16, 8, 0, null, null);
 * </pre>
 */
public final class Sampler {
    /** Told after every step of every batch. */
    public interface Progress {
        void step(int batchIndex, int stepIndex);
    }

    /** Shown the state after every step (x at t_{i+1}); the tensor is the run's and lives only during the call. */
    public interface States {
        void after(int stepIndex, Tensor x);
    }

    private final NoisePredictor model;
    private final Solver solver;
    private final SolverPlan plan;
    private final double[][] ratios;
    private final Backend backend;
    private final int[] labels;

    private Sampler(NoisePredictor model, Solver solver, SolverPlan plan, double[][] ratios, Backend backend, int[] labels) {
        this.model = model;
        this.solver = solver;
        this.plan = plan;
        this.ratios = ratios;
        this.backend = backend;
        this.labels = labels;
    }

    public static Builder builder(NoisePredictor model) { return new Builder(model); }

    public SolverPlan plan() { return plan; }

    public Solver solver() { return solver; }

    public NoisePredictor model() { return model; }

    /** The default trajectory of a solver: official (ddim, ddpm), logsnr (DPM-Solvers), edm (heun). */
    public static Trajectory defaultTrajectory(String solver) {
        return switch (solver) {
            case "dpm-solver-2", "dpm-solver++2m" -> Trajectory.LOGSNR;
            case "heun" -> Trajectory.EDM;
            default -> Trajectory.OFFICIAL;
        };
    }

    public static final class Builder {
        private final NoisePredictor model;
        private String solverName = "ddim";
        private double eta = 0;
        private int nfe = 10;
        private Trajectory trajectory;
        private TunedSchedule tuned;
        private int[] labels;

        private Builder(NoisePredictor model) { this.model = model; }

        public Builder solver(String name) { this.solverName = name; return this; }

        public Builder eta(double e) { this.eta = e; return this; }

        public Builder nfe(int n) { this.nfe = n; return this; }

        public Builder trajectory(Trajectory t) { this.trajectory = t; return this; }

        public Builder tuned(TunedSchedule t) { this.tuned = t; return this; }

        /**
         * One class label per sample of {@link #sample}'s run (sample k gets labels[k], whatever the batching), for a
         * class-conditional {@link ModelWrapper}; it replaces the wrapper's labels batch by batch.
         */
        public Builder labels(int[] perSample) {
            if (perSample != null && !(model instanceof ModelWrapper w && w.network().numClasses() > 0))
                throw new IllegalArgumentException("class labels need a class-conditional model");
            this.labels = perSample == null ? null : perSample.clone();
            return this;
        }

        public Sampler build() {
            Solver solver = Solvers.byName(solverName, eta);
            Trajectory traj = trajectory != null ? trajectory : defaultTrajectory(solverName);
            SolverPlan plan = solver.plan(nfe, traj, model.schedule());
            double[][] r = TunedSchedule.ones(plan);
            if (tuned != null) {
                tuned.checkFits(solver.name(), nfe, traj.id(), plan, model.schedule());
                r = tuned.ratios();
            }
            return new Sampler(model, solver, plan, r, model.backend(), labels);
        }
    }

    /** The ratio tensors of interval i (one scalar per slot). */
    private Tensor[] ratioTensors(int i) {
        return Ratios.perSlot(Ratios.scalars(backend, ratios[i]), plan.slots(i));
    }

    /** Samples one batch from x_T; sample k of the batch is sample firstSample + k of the run. */
    public Tensor sampleBatch(Tensor xT, NoiseSource noise, long firstSample, Progress progress, int batchIndex) {
        return sampleBatch(xT, noise, firstSample, progress, batchIndex, null);
    }

    /** {@link #sampleBatch(Tensor, NoiseSource, long, Progress, int)}, showing {@code states} every intermediate state. */
    public Tensor sampleBatch(Tensor xT, NoiseSource noise, long firstSample, Progress progress, int batchIndex, States states) {
        Tensor x = xT;
        try (Scope scope = Scope.open(); Stepper stepper = solver.stepper(model, plan, noise, firstSample)) {
            for (int i = 0; i < plan.intervals(); i++) {
                Tensor next;
                try (Scope step = Scope.open()) {
                    next = step.keep(stepper.step(i, x, ratioTensors(i)));
                }
                if (x != xT) Scope.detach(x).close();  // a run holds one state, not one per step
                x = next;
                if (states != null) states.after(i, x);
                if (progress != null) progress.step(batchIndex, i);
            }
            return scope.keep(x);
        }
    }

    /** Throws IllegalArgumentException unless {@link #sample} can run with these arguments; sample calls it first. */
    public void checkRequest(int count, int batch, float[] xT) {
        if (count < 1) throw new IllegalArgumentException("--count must be >= 1, got " + count);
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        int[] shape = model.sampleShape();
        long values = (long) count * shape[0] * shape[1] * shape[2];
        if (values > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(count + " samples of " + shape[0] + "x" + shape[1] + "x" + shape[2] + " are " + values
                    + " values, more than one Java array holds; sample fewer per run");
        int d = shape[0] * shape[1] * shape[2];
        if (xT != null && xT.length != (long) count * d)
            throw new IllegalArgumentException("x_T holds " + xT.length + " values, not " + count + " samples of " + d);
        if (labels != null && labels.length != count)
            throw new IllegalArgumentException(labels.length + " class labels for " + count + " samples");
        if (xT != null)
            for (int i = 0; i < xT.length; i++)
                if (!Float.isFinite(xT[i])) throw new IllegalArgumentException("x_T value " + i + " is " + xT[i] + "; it must be finite");
    }

    /**
     * {@code count} samples in batches of {@code batch}; x_T is Philox noise (stream 0 of each
     * sample) unless {@code xT} (count·C·H·W values) is given. Returns the final samples, row-major.
     */
    public float[] sample(int count, int batch, long seed, float[] xT, Progress progress) {
        checkRequest(count, batch, xT);
        int[] shape = model.sampleShape();
        int d = shape[0] * shape[1] * shape[2];
        NoiseSource noise = new NoiseSource(seed);
        float[] out = new float[count * d];
        for (int b0 = 0, bi = 0; b0 < count; b0 += batch, bi++) {
            int n = Math.min(batch, count - b0);
            Shape s = Shape.of(n, shape[0], shape[1], shape[2]);
            try (Scope scope = Scope.open()) {
                Tensor x;
                if (xT != null) {
                    float[] part = new float[n * d];
                    System.arraycopy(xT, b0 * d, part, 0, n * d);
                    x = backend.fromHost(part, s);
                } else {
                    x = noise.normal(backend, s, b0, 0);
                }
                if (labels != null) ((ModelWrapper) model).labels(Arrays.copyOfRange(labels, b0, b0 + n));
                float[] res = sampleBatch(x, noise, b0, progress, bi).toArray();
                System.arraycopy(res, 0, out, b0 * d, n * d);
            }
        }
        return out;
    }
}
