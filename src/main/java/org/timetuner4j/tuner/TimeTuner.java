package org.timetuner4j.tuner;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.data.DataSet;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.sampling.TunedSchedule;
import org.timetuner4j.diffusion.sampling.TunedTimeRange;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * TimeTuner's training loop (spec §5.2): for each interval but the last, a fresh Adam on the
 * interval's ratio(s), initialised to 1, over {@code iters} batches of real data; the last
 * interval keeps r = 1. After each Adam step the ratios are projected onto the bounds that keep
 * every tuned time inside the model's time range ({@link TunedTimeRange}); a non-finite loss,
 * gradient or ratio ends the run ({@link TuningDivergedException}). A finite data set is cycled in epochs, each in its own shuffled order,
 * so every interval gets {@code iters} full batches. Every random choice (data order, noise) is a
 * function of the seed, the interval and the iteration, so a run resumed from a checkpoint ends
 * exactly like one that was never interrupted.
 */
public final class TimeTuner {
    /** Told after every iteration. */
    public interface Listener {
        void iteration(int interval, int intervals, int iteration, int iterations, double loss, double[] ratios);
    }

    private static final int CHECKPOINT_EVERY = 50;

    private final NoisePredictor model;
    private final DataSet data;
    private final int batchesPerEpoch;
    private final TunerSettings settings;
    private final Backend backend;
    private final Solver solver;
    private final SolverPlan plan;
    private final TunedTimeRange range;
    private double[][] lossHistory = new double[0][];

    public TimeTuner(NoisePredictor model, DataSet data, TunerSettings settings, Backend backend) {
        this.model = model;
        this.data = data;
        this.settings = settings;
        this.backend = backend;
        this.solver = Solvers.byName(settings.solver(), settings.eta());
        this.plan = solver.plan(settings.nfe(), Trajectory.of(settings.trajectory()), model.schedule());
        this.range = new TunedTimeRange(model.schedule(), plan);
        if (!java.util.Arrays.equals(data.sampleShape(), model.sampleShape()))
            throw new IllegalArgumentException("the data's images are " + java.util.Arrays.toString(data.sampleShape())
                    + " but the model samples " + java.util.Arrays.toString(model.sampleShape()));
        this.batchesPerEpoch = data.batchesPerEpoch(settings.batch());
    }

    public SolverPlan plan() { return plan; }

    /** The loss of every iteration, per tuned step, of the last {@link #run} (resumed runs included). */
    public double[][] lossHistory() { return lossHistory; }

    /**
     * Runs (or, with a checkpoint file present and {@code resume}, continues) the tuning and
     * returns the τ schedule. The checkpoint is written next to {@code checkpoint} atomically.
     */
    public TunedSchedule run(Path checkpoint, boolean resume, Listener listener) throws IOException {
        int k = plan.intervals();
        TunerCheckpoint state;
        if (resume) {
            if (checkpoint == null || !Files.exists(checkpoint))
                throw new IllegalArgumentException("--resume: no checkpoint at " + checkpoint);
            state = TunerCheckpoint.read(checkpoint);
            if (!state.settings.equals(settings))
                throw new IllegalArgumentException("--resume: the checkpoint was made with other settings: " + state.settings);
        } else {
            state = new TunerCheckpoint();
            state.settings = settings;
            state.done = new double[0][];
            state.finalLoss = new double[0];
        }
        if (state.losses == null) state.losses = new double[0][];
        long began = System.nanoTime();
        double secondsBefore = state.seconds;
        DoubleSupplier seconds = () -> secondsBefore + (System.nanoTime() - began) / 1e9;   // this run's time added
        TunerObjective objective = new TunerObjective(model, solver, plan, settings.mode(), backend);
        while (state.interval < k - 1) {
            int i = state.interval;
            int slots = settings.slotsPerCall() ? plan.slots(i) : 1;
            double[] r;
            Adam adam;
            if (state.current != null) {
                r = state.current.clone();
                adam = new Adam(settings.lr(), state.adamM, state.adamV, state.adamStep);
            } else {
                r = new double[slots];
                for (int s = 0; s < slots; s++) r[s] = range.clamp(1.0, i, s, slots);
                adam = new Adam(settings.lr(), slots);
            }
            double loss = state.lastLoss;
            double[] iterationLosses = new double[settings.iters()];
            if (state.currentLosses != null)
                System.arraycopy(state.currentLosses, 0, iterationLosses, 0, Math.min(state.iteration, state.currentLosses.length));
            for (int it = state.iteration; it < settings.iters(); it++) {
                TunerObjective.Result res;
                try (Scope scope = Scope.open()) {
                    int epoch = it / batchesPerEpoch;
                    Tensor x0 = data.batch(backend, epochSeed(settings.seed(), i, epoch), it % batchesPerEpoch, settings.batch());
                    long first = ((long) i * settings.iters() + it) * settings.batch();
                    NoiseSource noise = new NoiseSource(settings.seed());
                    Tensor z = noise.normal(backend, x0.shape(), first, 0);
                    double[] rf = new double[r.length];
                    for (int s = 0; s < r.length; s++) rf[s] = (float) r[s];
                    res = objective.evaluate(i, x0, z, rf, state.done, noise, first);
                }
                double[] before = r.clone();
                Adam adamBefore = adam.copy();
                String bad = update(adam, r, res, i);
                if (bad != null) {
                    if (checkpoint != null) keep(state, before, adamBefore, loss, iterationLosses, seconds.getAsDouble(), checkpoint);
                    throw new TuningDivergedException("tuning diverged at step " + i + ", iteration " + it + ": " + bad
                            + " (ratios " + java.util.Arrays.toString(before) + ")"
                            + (checkpoint == null ? "" : "; the last good state is kept in " + checkpoint));
                }
                loss = res.loss();
                iterationLosses[it] = loss;
                if (listener != null) listener.iteration(i, k - 1, it, settings.iters(), loss, r);
                state.iteration = it + 1;
                if (checkpoint != null && state.iteration % CHECKPOINT_EVERY == 0 && state.iteration < settings.iters())
                    keep(state, r, adam, loss, iterationLosses, seconds.getAsDouble(), checkpoint);
            }
            double[][] done = java.util.Arrays.copyOf(state.done, i + 1);
            done[i] = new double[r.length];
            for (int s = 0; s < r.length; s++) done[i][s] = (float) r[s];
            state.done = done;
            state.finalLoss = java.util.Arrays.copyOf(state.finalLoss, i + 1);
            state.finalLoss[i] = loss;
            state.interval = i + 1;
            state.iteration = 0;
            state.current = null;
            state.adamM = state.adamV = null;
            state.adamStep = 0;
            state.lastLoss = 0;
            state.losses = java.util.Arrays.copyOf(state.losses, i + 1);
            state.losses[i] = iterationLosses;
            state.currentLosses = null;
            state.seconds = seconds.getAsDouble();
            if (checkpoint != null) state.write(checkpoint);
        }
        lossHistory = state.losses;
        state.seconds = seconds.getAsDouble();
        return result(state);
    }

    /**
     * Writes the state of the current interval (at {@code state.iteration}) to the checkpoint:
     * ratios, Adam, the losses of its first {@code state.iteration} iterations, the time so far.
     */
    private static void keep(TunerCheckpoint state, double[] r, Adam adam, double loss, double[] iterationLosses, double seconds,
                             Path checkpoint) throws IOException {
        state.current = r.clone();
        state.currentLosses = java.util.Arrays.copyOf(iterationLosses, state.iteration);
        state.seconds = seconds;
        state.adamM = adam.m();
        state.adamV = adam.v();
        state.adamStep = adam.step();
        state.lastLoss = loss;
        state.write(checkpoint);
    }

    /**
     * One projected Adam step on the ratios of interval i: after the step every tuned time r·t
     * is clamped into the model's time range. Returns what was not finite (loss, gradient or the
     * new ratio), leaving r and Adam untouched for a bad loss or gradient, else null.
     */
    private String update(Adam adam, double[] r, TunerObjective.Result res, int i) {
        String bad = nonFinite("the loss", new double[] {res.loss()});
        if (bad == null) bad = nonFinite("the gradient", res.gradient());
        if (bad != null) return bad;
        adam.update(r, res.gradient());
        for (int s = 0; s < r.length; s++) r[s] = range.clamp(r[s], i, s, r.length);
        return nonFinite("the ratio", r);
    }

    /** "the loss is NaN" when a value is not finite, else null. */
    private static String nonFinite(String what, double[] values) {
        for (double v : values)
            if (!Double.isFinite(v)) return what + " is " + v;
        return null;
    }

    /** The seed of the shuffled data order of epoch {@code epoch} of interval {@code interval}. */
    static long epochSeed(long seed, int interval, int epoch) {
        return seed * 1_000_003L + interval + epoch * 0x9E3779B97F4A7C15L;
    }

    private TunedSchedule result(TunerCheckpoint state) {
        int k = plan.intervals();
        double[][] ratios = new double[k][];
        for (int i = 0; i < k - 1; i++) ratios[i] = state.done[i].clone();
        ratios[k - 1] = new double[] {1.0};
        Map<String, JsonElement> prov = new LinkedHashMap<>();
        prov.put("slots", new JsonPrimitive(settings.slotsPerCall() ? "per-call" : "tied"));
        prov.put("eta", new JsonPrimitive(settings.eta()));
        prov.put("mode", new JsonPrimitive(settings.mode().name().toLowerCase()));
        prov.put("lr", new JsonPrimitive(settings.lr()));
        prov.put("iters", new JsonPrimitive(settings.iters()));
        prov.put("batch", new JsonPrimitive(settings.batch()));
        prov.put("seed", new JsonPrimitive(settings.seed()));
        JsonArray losses = new JsonArray();
        for (double l : state.finalLoss) losses.add(l);
        prov.put("final_loss", losses);
        prov.put("at_bound", atBound(ratios));
        prov.put("model", new JsonPrimitive(settings.model()));
        if (settings.modelSha256() != null) prov.put("model_sha256", new JsonPrimitive(settings.modelSha256()));
        prov.put("data", new JsonPrimitive(settings.data()));
        prov.put("tuning_seconds", new JsonPrimitive(Math.round(state.seconds * 1000) / 1000.0));
        double[] ts = new double[k];
        for (int i = 0; i < k; i++) ts[i] = plan.time(i);
        return new TunedSchedule(settings.solver(), settings.nfe(), settings.trajectory(), ts, ratios, prov);
    }

    /** Per step (and slot, where a step has several ratios): whether the ratio sits on its bound. */
    private JsonArray atBound(double[][] ratios) {
        JsonArray out = new JsonArray();
        for (int i = 0; i < ratios.length; i++) {
            boolean tuned = i < ratios.length - 1;
            JsonArray slots = new JsonArray();
            for (int s = 0; s < ratios[i].length; s++)
                slots.add(tuned && range.atBound(ratios[i][s], i, s, ratios[i].length));
            out.add(slots.size() == 1 ? slots.get(0) : slots);
        }
        return out;
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            StringBuilder sb = new StringBuilder();
            for (byte b : md.digest()) sb.append(String.format("%02x", b));
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
