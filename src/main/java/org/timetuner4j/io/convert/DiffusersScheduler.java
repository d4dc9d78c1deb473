package org.timetuner4j.io.convert;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import org.timetuner4j.io.JsonErrors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A diffusers {@code scheduler_config.json} read for what it says about the model: the training
 * noise schedule and what the network predicts. Names map onto the engine's as
 * <pre>
 *   beta_schedule   linear → linear,  scaled_linear → quad (linspace(√start, √end, N)²),
 *                   squaredcos_cap_v2 → cosine (iDDPM ᾱ, β capped at 0.999)
 *   prediction_type epsilon → noise,  sample → x_start,  v_prediction → v
 * </pre>
 * with diffusers' defaults (linear, 1e-4 … 0.02, 1000 steps, epsilon) for absent keys. Whatever
 * would give a different schedule — explicit {@code trained_betas}, zero-terminal-SNR rescaling,
 * another β schedule — is refused rather than silently replaced by DDPM's. The sampling-time
 * options (clipping, timestep spacing, variance type, …) describe a sampler, not the model, and
 * are not read.
 */
public final class DiffusersScheduler {
    private DiffusersScheduler() {}

    /** The model's schedule as the engine names it. */
    public record Schedule(String modelType, String betaSchedule, double betaStart, double betaEnd, int steps) {
        /** One line for the converter's summary. */
        public String describe() {
            String betas = betaSchedule.equals("cosine") ? "cosine" : String.format(Locale.ROOT, "%s β %s…%s", betaSchedule, num(betaStart), num(betaEnd));
            return betas + ", " + steps + " steps, predicts " + modelType;
        }

        private static String num(double d) {
            return new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
        }
    }

    /** DDPM's schedule, the engine's default when no scheduler config is found. */
    public static final Schedule DDPM = new Schedule("noise", "linear", 1e-4, 0.02, 1000);

    public static Schedule read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("scheduler config not found: " + file);
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file.getFileName() + " is not valid JSON: " + JsonErrors.oneLine(e));
        }
        if (!root.isJsonObject()) throw new IllegalArgumentException(file.getFileName() + " is not a JSON object");
        return parse(root.getAsJsonObject(), String.valueOf(file.getFileName()));
    }

    public static Schedule parse(JsonObject o, String origin) {
        String schedule = mapped(o, "beta_schedule", "linear", BETA_SCHEDULES, origin);
        String modelType = mapped(o, "prediction_type", "epsilon", PREDICTION_TYPES, origin);
        JsonElement trained = o.get("trained_betas");
        if (trained != null && !trained.isJsonNull())
            throw new IllegalArgumentException(origin + ": trained_betas (an explicit β list) is not supported; only named schedules are");
        JsonElement zeroSnr = o.get("rescale_betas_zero_snr");
        if (zeroSnr != null && !zeroSnr.isJsonNull() && !(zeroSnr.isJsonPrimitive() && zeroSnr.getAsJsonPrimitive().isBoolean() && !zeroSnr.getAsBoolean()))
            throw new IllegalArgumentException(origin + ": rescale_betas_zero_snr is not supported (zero-terminal-SNR schedules)");
        double start = number(o, "beta_start", 1e-4, origin), end = number(o, "beta_end", 0.02, origin);
        double steps = number(o, "num_train_timesteps", 1000, origin);
        if (steps != Math.rint(steps) || steps < 2 || steps > 1_000_000)
            throw new IllegalArgumentException(origin + ": num_train_timesteps must be a whole number from 2 to 1000000, got " + o.get("num_train_timesteps"));
        if (!schedule.equals("cosine") && !(start > 0 && start <= end && end < 1))
            throw new IllegalArgumentException(origin + ": need 0 < beta_start <= beta_end < 1, got " + start + " and " + end);
        return new Schedule(modelType, schedule, start, end, (int) steps);
    }

    private static final Map<String, String> BETA_SCHEDULES = orderedMap("linear", "linear", "scaled_linear", "quad", "squaredcos_cap_v2", "cosine");
    private static final Map<String, String> PREDICTION_TYPES = orderedMap("epsilon", "noise", "sample", "x_start", "v_prediction", "v");

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    /** The engine's name for a diffusers value of {@code key}, or a one-line refusal listing the supported ones. */
    private static String mapped(JsonObject o, String key, String dflt, Map<String, String> names, String origin) {
        String v = string(o, key, dflt, origin);
        String mapped = names.get(v);
        if (mapped == null)
            throw new IllegalArgumentException(origin + ": " + key + " '" + v + "' is not supported (" + String.join(", ", names.keySet()) + ")");
        return mapped;
    }

    private static String string(JsonObject o, String key, String dflt, String origin) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) return dflt;
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString())
            throw new IllegalArgumentException(origin + ": " + key + " must be a string, got " + e);
        return e.getAsString();
    }

    private static double number(JsonObject o, String key, double dflt, String origin) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) return dflt;
        if (!e.isJsonPrimitive() || !((JsonPrimitive) e).isNumber())
            throw new IllegalArgumentException(origin + ": " + key + " must be a number, got " + e);
        double v = e.getAsDouble();
        if (!Double.isFinite(v)) throw new IllegalArgumentException(origin + ": " + key + " must be finite, got " + e);
        return v;
    }
}
