package org.timetuner4j.diffusion.sampling;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.solvers.SolverPlan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A τ file: the learned ratios r (τ = r·t) for each interval of one solver/NFE/trajectory, with
 * their provenance. Also reads the official format: a plain JSON array of one ratio per step
 * (the last 1.0). Ratios are per interval and per slot; "tied" files hold one per interval.
 */
public final class TunedSchedule {
    private final String solver;
    private final int nfe;
    private final String trajectory;
    private final double[] timesteps;
    private final double[][] ratios;
    private final Map<String, JsonElement> provenance;

    public TunedSchedule(String solver, int nfe, String trajectory, double[] timesteps, double[][] ratios,
                         Map<String, JsonElement> provenance) {
        this.solver = solver;
        this.nfe = nfe;
        this.trajectory = trajectory;
        this.timesteps = timesteps == null ? null : timesteps.clone();
        this.ratios = new double[ratios.length][];
        for (int i = 0; i < ratios.length; i++) this.ratios[i] = ratios[i].clone();
        this.provenance = new LinkedHashMap<>(provenance == null ? Map.of() : provenance);
    }

    /** Null for an official plain list (which says nothing about its solver). */
    public String solver() { return solver; }

    public int nfe() { return nfe; }

    public String trajectory() { return trajectory; }

    public int intervals() { return ratios.length; }

    /** Ratio of slot k of interval i (a tied interval has one ratio for all its slots). */
    public double ratio(int interval, int slot) {
        double[] r = ratios[interval];
        return r.length == 1 ? r[0] : r[slot];
    }

    public double[][] ratios() {
        double[][] out = new double[ratios.length][];
        for (int i = 0; i < ratios.length; i++) out[i] = ratios[i].clone();
        return out;
    }

    /** All ones: the untuned sampler. */
    public static double[][] ones(SolverPlan plan) {
        double[][] r = new double[plan.intervals()][];
        for (int i = 0; i < r.length; i++) r[i] = new double[] {1.0};
        return r;
    }

    /** How the ratios were made (mode, lr, iters, losses, model, tuning time …); read-only. */
    public Map<String, JsonElement> provenance() { return java.util.Collections.unmodifiableMap(provenance); }

    /** The SHA-256 of the model file the ratios were tuned for, or null when the file does not say. */
    public String modelSha256() {
        JsonElement e = provenance.get("model_sha256");
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    /** The model the ratios were tuned for as `tune` was given it (a file or a gaussian: spec), or null when the file does not say. */
    public String model() {
        JsonElement e = provenance.get("model");
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    /** Whether {@link #requireModel} has anything to check: the file records a model file's hash or a gaussian model. */
    public boolean recordsModel() {
        return modelSha256() != null || (model() != null && model().startsWith("gaussian:"));
    }

    /**
     * Refuses a file tuned for another model: its recorded SHA-256 must be {@code sha256}, the
     * hash of the model file {@code model} (null when the model is not a file), and one tuned
     * for a gaussian: model (no file, no hash) needs that same spec. A file that records neither
     * (the official plain list) fits any model.
     */
    public void requireModel(String model, String sha256) {
        String recorded = modelSha256();
        if (recorded != null && (sha256 == null || !recorded.equalsIgnoreCase(sha256)))
            throw new IllegalArgumentException("the τ file was tuned for the model with SHA-256 " + recorded + ", but " + model
                    + (sha256 == null ? " is not that model file" : " has SHA-256 " + sha256) + " (--allow-other-model uses it anyway)");
        String tunedFor = model();
        if (recorded == null && tunedFor != null && tunedFor.startsWith("gaussian:") && !tunedFor.equals(model))
            throw new IllegalArgumentException("the τ file was tuned for the model " + tunedFor + ", not " + model
                    + " (--allow-other-model uses it anyway)");
    }

    /**
     * Refuses sampling at another DDIM η than the one the ratios were tuned at: times learned for the deterministic
     * update do not carry over to a noisy one. A file that records no η (the official plain list) fits any.
     */
    public void requireEta(double eta) {
        JsonElement e = provenance.get("eta");
        if (e != null && e.isJsonPrimitive() && e.getAsDouble() != eta)
            throw new IllegalArgumentException("the τ file was tuned at η " + e.getAsDouble() + ", not " + eta
                    + " (sample at --eta " + e.getAsDouble() + ", or tune at --eta " + eta + ")");
    }

    /**
     * Checks that this file was made for the given run and fits its plan, and that every tuned
     * time stays inside the model's time range; the message of the exception says what differs.
     */
    public void checkFits(String solverName, int nfeWanted, String trajectoryWanted, SolverPlan plan, NoiseSchedule schedule) {
        if (solver != null) {
            if (!solver.equals(solverName))
                throw new IllegalArgumentException("the τ file was tuned for solver " + solver + ", not " + solverName);
            if (nfe != nfeWanted)
                throw new IllegalArgumentException("the τ file was tuned for NFE " + nfe + ", not " + nfeWanted);
            if (!trajectory.equals(trajectoryWanted))
                throw new IllegalArgumentException("the τ file was tuned for trajectory " + trajectory + ", not " + trajectoryWanted);
        }
        if (ratios.length != plan.intervals())
            throw new IllegalArgumentException("the τ file has " + ratios.length + " ratios but " + solverName + " with NFE "
                    + nfeWanted + " on the " + trajectoryWanted + " trajectory takes " + plan.intervals() + " steps");
        for (int i = 0; i < ratios.length; i++) {
            if (ratios[i].length != 1 && ratios[i].length != plan.slots(i))
                throw new IllegalArgumentException("the τ file has " + ratios[i].length + " ratios for step " + i
                        + ", which makes " + plan.slots(i) + " network calls");
            for (double r : ratios[i])
                if (!(r > 0 && Double.isFinite(r))) throw new IllegalArgumentException("the τ file has a non-positive ratio " + r + " at step " + i);
        }
        TunedTimeRange range = new TunedTimeRange(schedule, plan);
        for (int i = 0; i < ratios.length; i++)
            for (int k = 0; k < ratios[i].length; k++)
                if (!range.contains(ratios[i][k], i, k, ratios[i].length))
                    throw new IllegalArgumentException("the τ file's ratio " + ratios[i][k] + " at step " + i
                            + (ratios[i].length > 1 ? " slot " + k : "") + " puts the network outside the model's time range "
                            + range.describe() + " (ratios of that step must lie in " + range.describeBounds(i, k, ratios[i].length) + ")");
        if (timesteps != null && timesteps.length == plan.intervals()) {
            for (int i = 0; i < timesteps.length; i++)
                if (Math.abs(timesteps[i] - plan.time(i)) > 1e-6 * Math.max(1, Math.abs(plan.time(i))))
                    throw new IllegalArgumentException("the τ file's timestep " + i + " is " + timesteps[i] + " but the plan's is " + plan.time(i));
        }
    }

    public static TunedSchedule read(Path path) throws IOException {
        if (Files.isDirectory(path)) throw new IOException("τ file " + path + " is a directory, not a file");
        if (!Files.isRegularFile(path)) throw new IOException("τ file not found: " + path);
        byte[] bytes = Files.readAllBytes(path);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            String kind = org.timetuner4j.io.FileKinds.recognise(java.util.Arrays.copyOf(bytes, 8));
            throw new IOException(path + " is not a τ file (JSON): " + (kind != null ? "it is " + kind : "it is not UTF-8 text"));
        }
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new IOException(path + " is not JSON: " + org.timetuner4j.io.JsonErrors.oneLine(e));
        }
        try {
            if (root.isJsonArray()) {
                JsonArray a = root.getAsJsonArray();
                double[][] r = new double[a.size()][];
                for (int i = 0; i < a.size(); i++) r[i] = new double[] {a.get(i).getAsDouble()};
                if (r.length == 0) throw new IOException(path + ": empty list of ratios");
                return new TunedSchedule(null, 0, null, null, r, Map.of());
            }
            if (!root.isJsonObject()) throw new IOException(path + " is neither a τ file nor a JSON list of ratios");
            JsonObject o = root.getAsJsonObject();
            for (String k : new String[] {"solver", "nfe", "trajectory", "ratios"})
                if (!o.has(k)) throw new IOException(path + ": τ file has no '" + k + "'");
            JsonArray ra = o.getAsJsonArray("ratios");
            double[][] r = new double[ra.size()][];
            for (int i = 0; i < ra.size(); i++) {
                JsonElement e = ra.get(i);
                if (e.isJsonArray()) {
                    JsonArray ea = e.getAsJsonArray();
                    r[i] = new double[ea.size()];
                    for (int k = 0; k < ea.size(); k++) r[i][k] = ea.get(k).getAsDouble();
                } else {
                    r[i] = new double[] {e.getAsDouble()};
                }
            }
            double[] ts = null;
            if (o.has("timesteps")) {
                JsonArray ta = o.getAsJsonArray("timesteps");
                ts = new double[ta.size()];
                for (int i = 0; i < ts.length; i++) ts[i] = ta.get(i).getAsDouble();
            }
            Map<String, JsonElement> prov = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : o.entrySet())
                if (!java.util.Set.of("solver", "nfe", "trajectory", "ratios", "timesteps").contains(e.getKey()))
                    prov.put(e.getKey(), e.getValue());
            return new TunedSchedule(o.get("solver").getAsString(), o.get("nfe").getAsInt(), o.get("trajectory").getAsString(),
                    ts, r, prov);
        } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException | ClassCastException e) {
            throw new IOException(path + ": malformed τ file (" + e.getMessage() + ")");
        }
    }

    /** Writes the file atomically (temp file + move); a NaN or infinite ratio or time is refused. */
    public void write(Path path) throws IOException {
        for (int i = 0; i < ratios.length; i++)
            for (double r : ratios[i])
                if (!Double.isFinite(r)) throw new IllegalArgumentException("refusing to write a τ file with ratio " + r + " at step " + i);
        if (timesteps != null)
            for (int i = 0; i < timesteps.length; i++)
                if (!Double.isFinite(timesteps[i]))
                    throw new IllegalArgumentException("refusing to write a τ file with timestep " + timesteps[i] + " at step " + i);
        JsonObject o = new JsonObject();
        o.addProperty("format", "timetuner4j-tau/1");
        o.addProperty("solver", solver);
        o.addProperty("nfe", nfe);
        o.addProperty("trajectory", trajectory);
        JsonArray ts = new JsonArray();
        if (timesteps != null) for (double t : timesteps) ts.add(t);
        o.add("timesteps", ts);
        JsonArray ra = new JsonArray();
        for (double[] r : ratios) {
            if (r.length == 1) ra.add(r[0]);
            else {
                JsonArray inner = new JsonArray();
                for (double v : r) inner.add(v);
                ra.add(inner);
            }
        }
        o.add("ratios", ra);
        provenance.forEach(o::add);
        Gson gson = new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();  // "gaussian:mean=0", not "mean\u003d0"
        // Not Files.createTempFile: the moved file would keep its owner-only permissions.
        Path tmp = path.toAbsolutePath().resolveSibling(path.getFileName() + ".tmp");
        Files.writeString(tmp, gson.toJson(o) + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
