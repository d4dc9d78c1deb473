package org.timetuner4j.io.convert;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.io.convert.CheckpointConverter.Layout;
import org.timetuner4j.io.layout.DdimConfigInference;
import org.timetuner4j.io.torch.Py;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The UNet config of a conversion and where it came from.
 *
 * @param config the config
 * @param source where it came from, for the summary
 */
record ConfigChoice(UNetConfig config, String source) {

    /**
     * The config: {@code --config} (a file or inline JSON, ddim's names or a diffusers config),
     * diffusers' config.json beside the weights, the file's own metadata, or inferred from the
     * weights' names and shapes (which needs the resolution). Notes go to {@code warnings}.
     */
    static ConfigChoice choose(CheckpointConverter.Options o, Layout layout, Path folderConfig, String metadataConfig,
                               Map<String, int[]> shapes, List<String> warnings) throws IOException {
        String[] source = new String[1];
        UNetConfig cfg = config(o, layout, folderConfig, metadataConfig, shapes, source, warnings);
        return new ConfigChoice(cfg, source[0]);
    }

    private static UNetConfig config(CheckpointConverter.Options o, Layout layout, Path folderConfig, String metadataConfig,
                                     Map<String, int[]> shapes, String[] source, List<String> warnings) throws IOException {
        if (o.config() != null) {
            String arg = o.config().strip();
            String json;
            String origin;
            if (arg.startsWith("{")) {
                json = arg;
                origin = "--config";
            } else {
                Path p = Path.of(arg);
                if (!Files.isRegularFile(p)) throw new IllegalArgumentException("config file not found: " + arg);
                if (Files.size(p) > (1 << 20)) throw new IllegalArgumentException("config file " + arg + " is larger than 1 MB");
                json = Files.readString(p, StandardCharsets.UTF_8);
                origin = String.valueOf(p.getFileName());
            }
            source[0] = "from " + (origin.equals("--config") ? "--config" : "--config " + arg);
            return parseConfig(json, origin, o.resolution(), warnings, source);
        }
        if (layout == Layout.DIFFUSERS && folderConfig != null) {
            if (Files.size(folderConfig) > (1 << 20)) throw new IllegalArgumentException(folderConfig + " is larger than 1 MB");
            String json = Files.readString(folderConfig, StandardCharsets.UTF_8);
            JsonObject obj = parseJson(json, "config.json");
            if (DiffusersConfig.looksLikeDiffusers(obj)) {
                DiffusersConfig.Result r = DiffusersConfig.parse(obj, "config.json", o.resolution());
                warnings.addAll(r.notes());
                source[0] = "from diffusers' " + folderConfig.getFileName() + " next to the weights (diffusers' defaults for missing fields)";
                return r.config();
            }
        }
        if (metadataConfig != null) {
            source[0] = "from the file's metadata";
            try {
                return UNetConfigJson.fromJson(metadataConfig);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the file's metadata config is invalid: " + e.getMessage());
            }
        }
        if (o.resolution() <= 0) {
            throw new IllegalArgumentException("the image size cannot be read from the weights: pass --resolution N (e.g. 32 for CIFAR-10)"
                    + " or --config FILE");
        }
        try {
            UNetConfig cfg = DdimConfigInference.infer(shapes, o.resolution());
            source[0] = "inferred from the weights' names and shapes, resolution " + o.resolution() + " from --resolution";
            if (layout == Layout.DIFFUSERS) {
                warnings.add("no config.json: assumed diffusers' DDPM settings (one attention head, norm_eps 1e-6,"
                        + " flip_sin_to_cos false, freq_shift 1, downsample_padding 0), which the weights cannot show");
            }
            return cfg;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot infer the UNet config from the weights: " + e.getMessage());
        }
    }

    private static UNetConfig parseConfig(String json, String origin, int resolution, List<String> warnings, String[] source) {
        JsonObject obj = parseJson(json, origin);
        if (DiffusersConfig.looksLikeDiffusers(obj)) {
            DiffusersConfig.Result r = DiffusersConfig.parse(obj, origin, resolution);
            warnings.addAll(r.notes());
            source[0] += " (a diffusers config; diffusers' defaults for missing fields)";
            return r.config();
        }
        if (resolution > 0 && !hasResolution(obj)) obj.addProperty("resolution", resolution);
        try {
            return UNetConfigJson.fromJson(obj.toString());
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            if (m.contains("'resolution'")) m += "; or pass --resolution N";
            throw new IllegalArgumentException(origin + ": " + m);
        }
    }

    private static boolean hasResolution(JsonObject o) {
        for (String scope : new String[] {null, "model", "data"}) {
            JsonElement e = scope == null ? o : o.get(scope);
            if (e != null && e.isJsonObject() && (e.getAsJsonObject().has("resolution") || e.getAsJsonObject().has("image_size"))) return true;
        }
        return false;
    }

    private static JsonObject parseJson(String json, String origin) {
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            JsonElement root = JsonParser.parseReader(r);
            if (r.peek() != JsonToken.END_DOCUMENT) throw new IllegalArgumentException(origin + " has data after the JSON object");
            if (!root.isJsonObject()) throw new IllegalArgumentException(origin + " is not a JSON object");
            return root.getAsJsonObject();
        } catch (JsonParseException | IOException | IllegalStateException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int see = m.indexOf("\nSee ");
            if (see >= 0) m = m.substring(0, see);
            throw new IllegalArgumentException(origin + " is not valid JSON: " + Py.clean(m.replaceAll("\\s+", " ")));
        }
    }
}
