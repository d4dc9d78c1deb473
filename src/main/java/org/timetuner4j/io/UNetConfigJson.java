package org.timetuner4j.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import org.timetuner4j.nn.UNetConfig;

import java.io.IOException;
import java.io.StringReader;
import java.util.Objects;

/** A {@link UNetConfig} as JSON, with ddim's field names (the {@code config} entry of a model file). */
public final class UNetConfigJson {
    private UNetConfigJson() {}

    /**
     * Parses a configuration. Accepts ddim's field names ({@code ch, out_ch, ch_mult,
     * num_res_blocks, attn_resolutions, dropout, in_channels, resolution, resamp_with_conv}),
     * with {@code image_size} as a synonym of {@code resolution} and {@code channels} of
     * {@code in_channels}, either at the top level or nested like ddim's yml files
     * ({@code {"model": {...}, "data": {"image_size": 32, "channels": 3}}}). Defaults: dropout 0,
     * resamp_with_conv true, out_ch = in_channels. Other fields are ignored. The result is
     * {@linkplain UNetConfig#validate() validated}.
     *
     * @throws IllegalArgumentException one-line message naming the field (missing, mistyped,
     *                                  conflicting or invalid), or saying the text is not JSON
     */
    public static UNetConfig fromJson(String json) {
        Objects.requireNonNull(json, "json");
        JsonElement root;
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            root = com.google.gson.JsonParser.parseReader(r);
            if (r.peek() != JsonToken.END_DOCUMENT) throw new IllegalArgumentException("UNet config has data after the JSON object");
        } catch (JsonParseException | IOException | IllegalStateException e) {
            throw new IllegalArgumentException("UNet config is not valid JSON: " + JsonErrors.oneLine(e));
        }
        if (!root.isJsonObject()) throw new IllegalArgumentException("UNet config is not a JSON object");
        ConfigFields f = new ConfigFields(root.getAsJsonObject());

        int ch = f.integer("ch");
        int inChannels = f.integer("in_channels", "channels");
        Integer outCh = f.integerOrNull("out_ch");
        int[] chMult = f.intList(true, "ch_mult");
        int nrb = f.integer("num_res_blocks");
        int[] attn = f.intList(false, "attn_resolutions");
        Double dropout = f.number("dropout");
        int resolution = f.integer("resolution", "image_size");
        Boolean resamp = f.bool("resamp_with_conv");
        Integer classes = f.integerOrNull("num_classes");
        return new UNetConfig(ch, outCh == null ? inChannels : outCh, chMult, nrb, attn == null ? new int[0] : attn,
                dropout == null ? 0.0 : dropout, inChannels, resolution, resamp == null || resamp,
                classes == null ? 0 : classes).validate();
    }

    /** The configuration as a flat JSON object with ddim's nine field names; {@link #fromJson} reads it back. */
    public static String toJson(UNetConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("ch", c.ch());
        o.addProperty("out_ch", c.outCh());
        o.add("ch_mult", array(c.chMult()));
        o.addProperty("num_res_blocks", c.numResBlocks());
        o.add("attn_resolutions", array(c.attnResolutions()));
        o.addProperty("dropout", c.dropout());
        o.addProperty("in_channels", c.inChannels());
        o.addProperty("resolution", c.resolution());
        o.addProperty("resamp_with_conv", c.resampWithConv());
        if (c.numClasses() > 0) o.addProperty("num_classes", c.numClasses());
        return new Gson().toJson(o);
    }

    private static JsonArray array(int[] v) {
        JsonArray a = new JsonArray();
        for (int x : v) a.add(x);
        return a;
    }
}
