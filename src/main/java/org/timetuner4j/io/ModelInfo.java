package org.timetuner4j.io;

import org.timetuner4j.nn.UNetConfig;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a model file says about its network besides the weights: the UNet config, what the
 * network predicts, and the discrete noise schedule it was trained with (DDPM defaults when
 * the file does not say).
 */
public record ModelInfo(UNetConfig config, String modelType, String betaSchedule, double betaStart, double betaEnd,
                        int numDiffusionTimesteps, boolean configInferred) {
    public static final Set<String> MODEL_TYPES = Set.of("noise", "x_start", "v", "score");

    public ModelInfo {
        if (!MODEL_TYPES.contains(modelType))
            throw new IllegalArgumentException("model_type '" + modelType + "' is not one of noise, x_start, v, score");
        if (numDiffusionTimesteps < 1) throw new IllegalArgumentException("num_diffusion_timesteps must be >= 1");
    }

    /** A noise-predicting model on the DDPM schedule (linear β 1e-4…0.02, 1000 steps). */
    public static ModelInfo ddpmDefaults(UNetConfig config) {
        return new ModelInfo(config, "noise", "linear", 1e-4, 0.02, 1000, false);
    }

    /** Reads the optional fields from safetensors metadata, defaulting as DDPM. */
    public static ModelInfo fromMetadata(UNetConfig config, boolean inferred, Map<String, String> md) {
        return new ModelInfo(config,
                md.getOrDefault("model_type", "noise"),
                md.getOrDefault("beta_schedule", "linear"),
                number(md, "beta_start", 1e-4),
                number(md, "beta_end", 0.02),
                (int) number(md, "num_diffusion_timesteps", 1000),
                inferred);
    }

    private static double number(Map<String, String> md, String key, double dflt) {
        String v = md.get(key);
        if (v == null) return dflt;
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata field " + key + " = '" + v + "' is not a number");
        }
    }

    /** The metadata a model file written by the engine carries. */
    public Map<String, String> toMetadata() {
        Map<String, String> md = new LinkedHashMap<>();
        md.put("config", UNetConfigJson.toJson(config));
        md.put("model_type", modelType);
        md.put("beta_schedule", betaSchedule);
        md.put("beta_start", Double.toString(betaStart));
        md.put("beta_end", Double.toString(betaEnd));
        md.put("num_diffusion_timesteps", Integer.toString(numDiffusionTimesteps));
        return md;
    }
}
