package org.timetuner4j.io.convert;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.timetuner4j.nn.UNetConfig;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a diffusers {@code UNet2DModel} {@code config.json} (spec Part B §2.2) into the engine's
 * {@link UNetConfig}, applying diffusers' own defaults to every field the file omits.
 *
 * <p>The engine runs exactly the DDPM UNet. A diffusers config describes that network only when
 * its fields have the DDPM values; several of diffusers' <i>defaults</i> differ from them
 * (flip_sin_to_cos true, freq_shift 0, downsample_padding 1, norm_eps 1e-5, attention_head_dim
 * 8). Any field that makes a different network — another embedding order or shift, padding,
 * normalisation epsilon, group count, activation, head count, block type, time-scale shift,
 * class conditioning, mid-block scale, input centring — is <b>refused</b> with a message naming the
 * field, its value (and whether that value is diffusers' default for a missing field), and what
 * the engine needs, rather than silently converted into a network that computes something else.
 * Fields that only matter for training ({@code dropout}, {@code num_train_timesteps}) are taken
 * or ignored; fields starting with {@code _} are informational; unknown fields are reported back
 * as notes.
 */
public final class DiffusersConfig {
    private DiffusersConfig() {}

    /** The parsed network and what was ignored. */
    public record Result(UNetConfig config, List<String> notes) {}

    private static final Set<String> KNOWN = Set.of(
            "sample_size", "in_channels", "out_channels", "center_input_sample", "time_embedding_type",
            "time_embedding_dim", "freq_shift", "flip_sin_to_cos", "down_block_types", "up_block_types",
            "block_out_channels", "layers_per_block", "mid_block_scale_factor", "downsample_padding", "downsample_type",
            "upsample_type", "dropout", "act_fn", "attention_head_dim", "norm_num_groups", "attn_norm_num_groups",
            "norm_eps", "resnet_time_scale_shift", "add_attention", "class_embed_type", "num_class_embeds",
            "num_train_timesteps", "mid_block_type");

    /** True if the JSON object looks like a diffusers config rather than a ddim one. */
    public static boolean looksLikeDiffusers(JsonObject o) {
        return o.has("_class_name") || o.has("block_out_channels") || o.has("down_block_types") || o.has("sample_size");
    }

    /**
     * @param o                 the parsed config.json
     * @param origin            how to name the file in messages, e.g. {@code config.json}
     * @param resolutionDefault image size to use when {@code sample_size} is missing or null (≤ 0:
     *                          none, which is then an error)
     * @throws IllegalArgumentException one line naming the field when the config is malformed or
     *                                  describes a network the engine does not run
     */
    public static Result parse(JsonObject o, String origin, int resolutionDefault) {
        Reader r = new Reader(o, origin);
        List<String> notes = new ArrayList<>();

        String cls = r.string("_class_name", null);
        if (cls != null && !cls.equals("UNet2DModel")) {
            throw new IllegalArgumentException(origin + " describes a " + cls + ", not a UNet2DModel");
        }
        int[] boc = r.intList("block_out_channels", new int[] {224, 448, 672, 896});
        int L = boc.length;
        if (L == 0) throw r.bad("block_out_channels", "is empty");
        String[] down = r.stringList("down_block_types",
                new String[] {"DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"});
        String[] up = r.stringList("up_block_types",
                new String[] {"AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"});
        if (down.length != L || up.length != L) {
            throw new IllegalArgumentException(origin + ": block_out_channels has " + L + " entries but down_block_types has "
                    + down.length + " and up_block_types " + up.length + " (they must agree)");
        }
        int ch = boc[0];
        int[] chMult = new int[L];
        for (int i = 0; i < L; i++) {
            if (boc[i] <= 0 || ch <= 0) throw r.bad("block_out_channels", "has a non-positive entry " + boc[i]);
            if (boc[i] % ch != 0) {
                throw r.bad("block_out_channels", "= " + r.raw("block_out_channels") + ": entry " + i + " (" + boc[i]
                        + ") is not a multiple of the first (" + ch + "); the DDPM UNet's levels have ch·ch_mult[i] channels");
            }
            chMult[i] = boc[i] / ch;
        }
        boolean[] attn = new boolean[L];
        for (int i = 0; i < L; i++) {
            attn[i] = switch (down[i]) {
                case "DownBlock2D" -> false;
                case "AttnDownBlock2D" -> true;
                default -> throw r.bad("down_block_types", "contains " + down[i]
                        + "; the DDPM UNet is built from DownBlock2D and AttnDownBlock2D only");
            };
        }
        for (int u = 0; u < L; u++) {
            boolean a = switch (up[u]) {
                case "UpBlock2D" -> false;
                case "AttnUpBlock2D" -> true;
                default -> throw r.bad("up_block_types", "contains " + up[u]
                        + "; the DDPM UNet is built from UpBlock2D and AttnUpBlock2D only");
            };
            int level = L - 1 - u;
            if (a != attn[level]) {
                throw new IllegalArgumentException(origin + ": down_block_types[" + level + "] is " + down[level]
                        + " but up_block_types[" + u + "] is " + up[u] + "; the DDPM UNet has attention at a resolution on"
                        + " both paths or on neither");
            }
        }
        int nrb = r.integer("layers_per_block", 2);
        if (nrb <= 0) throw r.bad("layers_per_block", "must be positive");
        int inChannels = r.integer("in_channels", 3);
        int outChannels = r.integer("out_channels", 3);
        double dropout = r.number("dropout", 0.0);

        int resolution = sampleSize(r, resolutionDefault, origin);

        // Fields that would change the network.
        r.require("center_input_sample", false, false, "false (no 2x-1 inside the model)");
        r.requireString("time_embedding_type", "positional", Set.of("positional"), "\"positional\" (sinusoidal)");
        r.require("flip_sin_to_cos", true, false, "false (the DDPM embedding puts the sines first)");
        r.requireNumber("freq_shift", 0, 1, "1 (the DDPM frequencies divide by half-1)");
        r.requireNumber("downsample_padding", 1, 0, "0 (pad right/bottom by one, then a stride-2 conv, as DDPM)");
        r.requireNumber("mid_block_scale_factor", 1, 1, "1");
        r.requireString("downsample_type", "conv", Set.of("conv"), "\"conv\"");
        r.requireString("upsample_type", "conv", Set.of("conv"), "\"conv\"");
        r.requireString("act_fn", "silu", Set.of("silu", "swish"), "\"silu\"");
        r.requireNumber("norm_num_groups", 32, UNetConfig.GROUPNORM_GROUPS, "32");
        if (r.present("attn_norm_num_groups")) r.requireNumber("attn_norm_num_groups", 32, UNetConfig.GROUPNORM_GROUPS, "null or 32");
        r.requireNumber("norm_eps", 1e-5, 1e-6, "1e-6 (the DDPM GroupNorm epsilon)");
        r.requireString("resnet_time_scale_shift", "default", Set.of("default"), "\"default\"");
        r.require("add_attention", true, true, "true (the DDPM UNet has attention in its middle block)");
        r.requireNull("class_embed_type", "null (class labels through num_class_embeds, or none)");
        // num_class_embeds = K rows: K − 1 classes and the last row as the null label (classifier-free guidance).
        Integer classEmbeds = r.present("num_class_embeds") ? r.integerOrNull("num_class_embeds") : null;
        if (classEmbeds != null && classEmbeds < 2)
            throw r.bad("num_class_embeds", "= " + classEmbeds + "; a class-conditional DDPM UNet needs at least one class and the null label (>= 2)");
        int numClasses = classEmbeds == null ? 0 : classEmbeds - 1;
        if (r.present("mid_block_type")) r.requireString("mid_block_type", "UNetMidBlock2D", Set.of("UNetMidBlock2D"), "\"UNetMidBlock2D\"");
        if (r.present("time_embedding_dim")) {
            Integer ted = r.integerOrNull("time_embedding_dim");
            if (ted != null && ted != 4 * ch) {
                throw r.bad("time_embedding_dim", "= " + ted + "; the DDPM UNet's time embedding has 4·block_out_channels[0] = "
                        + 4 * ch + " channels");
            }
        }
        // One attention head: attention_head_dim null (head dim = channels) or equal to the channels of every attention block.
        Integer headDim = r.present("attention_head_dim") ? r.integerOrNull("attention_head_dim") : Integer.valueOf(8);
        if (headDim != null) {
            List<Integer> attnChannels = new ArrayList<>();
            for (int i = 0; i < L; i++) if (attn[i]) attnChannels.add(boc[i]);
            attnChannels.add(boc[L - 1]); // the middle block
            for (int c : attnChannels) {
                if (c != headDim) {
                    throw r.bad("attention_head_dim", "= " + headDim + (r.present("attention_head_dim") ? "" : " (diffusers' default when the field is missing)")
                            + " gives " + (headDim > 0 && c % headDim == 0 ? String.valueOf(c / headDim) : "several") + " heads at "
                            + c + " channels; the DDPM UNet's attention has one head (attention_head_dim null or equal to the channels)");
                }
            }
        }
        for (String k : o.keySet()) {
            if (!k.startsWith("_") && !KNOWN.contains(k)) notes.add("ignored unknown field '" + k + "' in " + origin);
        }
        if (r.present("num_train_timesteps") && !r.isNull("num_train_timesteps")) {
            notes.add("ignored num_train_timesteps in " + origin + " (it only matters for learned time embeddings)");
        }

        // Attention resolutions from the level sizes (validate() checks that they halve exactly).
        UNetConfig probe = new UNetConfig(ch, outChannels, chMult, nrb, new int[0], dropout, inChannels, resolution, true);
        try {
            probe.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(origin + ": " + e.getMessage());
        }
        List<Integer> attnRes = new ArrayList<>();
        for (int i = 0; i < L; i++) if (attn[i]) attnRes.add(probe.levelResolution(i));
        UNetConfig cfg = new UNetConfig(ch, outChannels, chMult, nrb, attnRes.stream().mapToInt(Integer::intValue).toArray(),
                dropout, inChannels, resolution, true, numClasses).validate();
        return new Result(cfg, notes);
    }

    private static int sampleSize(Reader r, int fallback, String origin) {
        if (!r.present("sample_size") || r.isNull("sample_size")) {
            if (fallback > 0) return fallback;
            throw new IllegalArgumentException(origin + " has no sample_size; pass --resolution N (the image size)");
        }
        JsonElement e = r.o.get("sample_size");
        if (e.isJsonArray()) {
            int[] hw = r.intList("sample_size", null);
            if (hw.length != 2 || hw[0] != hw[1]) {
                throw r.bad("sample_size", "= " + e + "; the engine's UNet takes square images");
            }
            return hw[0];
        }
        return r.integer("sample_size", 0);
    }

    /** Typed access to the config's fields, with diffusers' defaults and one-line errors. */
    private static final class Reader {
        final JsonObject o;
        final String origin;

        Reader(JsonObject o, String origin) {
            this.o = o;
            this.origin = origin;
        }

        boolean present(String f) {
            return o.has(f);
        }

        boolean isNull(String f) {
            return o.get(f).isJsonNull();
        }

        String raw(String f) {
            JsonElement e = o.get(f);
            return e == null ? "missing" : e.toString();
        }

        IllegalArgumentException bad(String field, String what) {
            return new IllegalArgumentException(origin + ": " + field + " " + what);
        }

        String string(String f, String dflt) {
            if (!present(f) || isNull(f)) return dflt;
            JsonElement e = o.get(f);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw bad(f, "must be a string, got " + e);
            return e.getAsString();
        }

        int integer(String f, int dflt) {
            if (!present(f)) return dflt;
            Integer v = integerOrNull(f);
            if (v == null) throw bad(f, "must be an integer, got null");
            return v;
        }

        Integer integerOrNull(String f) {
            JsonElement e = o.get(f);
            if (e == null || e.isJsonNull()) return null;
            return toInt(e, f);
        }

        private int toInt(JsonElement e, String f) {
            if (e instanceof JsonPrimitive p && p.isNumber()) {
                try {
                    BigDecimal d = new BigDecimal(p.getAsString());
                    return d.intValueExact();
                } catch (NumberFormatException | ArithmeticException ignored) {
                    // below
                }
            }
            throw bad(f, "must be an integer, got " + e);
        }

        double number(String f, double dflt) {
            JsonElement e = o.get(f);
            if (e == null || e.isJsonNull()) return dflt;
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) throw bad(f, "must be a number, got " + e);
            return e.getAsDouble();
        }

        int[] intList(String f, int[] dflt) {
            JsonElement e = o.get(f);
            if (e == null || e.isJsonNull()) return dflt;
            if (!e.isJsonArray()) throw bad(f, "must be a list of integers, got " + e);
            JsonArray a = e.getAsJsonArray();
            if (a.size() > 64) throw bad(f, "has " + a.size() + " entries");
            int[] out = new int[a.size()];
            for (int i = 0; i < out.length; i++) out[i] = toInt(a.get(i), f + "[" + i + "]");
            return out;
        }

        String[] stringList(String f, String[] dflt) {
            JsonElement e = o.get(f);
            if (e == null || e.isJsonNull()) return dflt;
            if (!e.isJsonArray()) throw bad(f, "must be a list of strings, got " + e);
            JsonArray a = e.getAsJsonArray();
            if (a.size() > 64) throw bad(f, "has " + a.size() + " entries");
            String[] out = new String[a.size()];
            for (int i = 0; i < out.length; i++) {
                JsonElement x = a.get(i);
                if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isString()) throw bad(f, "must be a list of strings, got " + e);
                out[i] = x.getAsString();
            }
            return out;
        }

        private String given(String f, Object dflt) {
            return present(f) ? "= " + o.get(f) : "is missing, so diffusers uses its default " + dflt + ",";
        }

        void require(String f, boolean dflt, boolean needed, String needs) {
            boolean v = dflt;
            if (present(f) && !isNull(f)) {
                JsonElement e = o.get(f);
                if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw bad(f, "must be true or false, got " + e);
                v = e.getAsBoolean();
            }
            if (v != needed) throw bad(f, given(f, dflt) + " but the engine's DDPM UNet needs " + needs);
        }

        void requireNumber(String f, double dflt, double needed, String needs) {
            double v = number(f, dflt);
            if (Math.abs(v - needed) > 1e-12 + 1e-9 * Math.abs(needed)) {
                throw bad(f, given(f, fmt(dflt)) + " but the engine's DDPM UNet needs " + needs);
            }
        }

        void requireString(String f, String dflt, Set<String> allowed, String needs) {
            String v = string(f, dflt);
            if (!allowed.contains(v)) {
                throw bad(f, given(f, "\"" + dflt + "\"") + " but the engine's DDPM UNet needs " + needs);
            }
        }

        void requireNull(String f, String needs) {
            if (present(f) && !isNull(f)) throw bad(f, "= " + o.get(f) + " but the engine's DDPM UNet needs " + needs);
        }

        private static String fmt(double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e9 ? String.valueOf((long) d) : String.valueOf(d);
        }
    }
}
