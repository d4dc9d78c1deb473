package org.timetuner4j.nn;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hyper-parameters of the DDPM UNet as defined by ermongroup/ddim's {@code Model} (and pesser's
 * pytorch_diffusion port), with the same names as ddim's {@code configs/*.yml}.
 *
 * <p>Levels are numbered from 0 (full resolution) to {@code numLevels()-1}; level i has
 * {@code ch*chMult[i]} channels and feature maps of {@link #levelResolution(int)} pixels per side;
 * attention follows every ResnetBlock of a level whose resolution is listed in
 * {@code attnResolutions}. {@code outCh} is the number of output channels, {@code inChannels} the
 * number of image channels, {@code resolution} the image size (ddim's {@code data.image_size}).
 *
 * <p>The record is immutable: array components are copied in and out. {@code equals},
 * {@code hashCode} and {@code toString} compare and print array contents. The canonical constructor
 * checks only for nulls; call {@link #validate()} (as {@link #fromJson} and {@link #infer} do) to
 * check the values.
 */
public record UNetConfig(int ch, int outCh, int[] chMult, int numResBlocks, int[] attnResolutions,
                         double dropout, int inChannels, int resolution, boolean resampWithConv, int numClasses) {

    /** GroupNorm group count used by every normalisation layer of the model. */
    public static final int GROUPNORM_GROUPS = 32;

    public UNetConfig {
        chMult = Objects.requireNonNull(chMult, "chMult").clone();
        attnResolutions = Objects.requireNonNull(attnResolutions, "attnResolutions").clone();
    }

    /** An unconditional network (no class labels), the ddim model. */
    public UNetConfig(int ch, int outCh, int[] chMult, int numResBlocks, int[] attnResolutions,
                      double dropout, int inChannels, int resolution, boolean resampWithConv) {
        this(ch, outCh, chMult, numResBlocks, attnResolutions, dropout, inChannels, resolution, resampWithConv, 0);
    }

    /**
     * Class conditioning (an extension of the ddim model): {@code num_classes} labels plus a
     * null label (index num_classes, for classifier-free guidance), embedded by
     * {@code label_emb.weight} [num_classes + 1, 4·ch] and added to the time embedding.
     */
    public boolean isClassConditional() { return numClasses > 0; }

    public UNetConfig withNumClasses(int n) {
        return new UNetConfig(ch, outCh, chMult, numResBlocks, attnResolutions, dropout, inChannels, resolution, resampWithConv, n);
    }

    // ---------------------------------------------------------------- released ddim configurations

    /** ddim's {@code cifar10.yml}: 35,746,307 parameters. */
    public static UNetConfig cifar10() {
        return new UNetConfig(128, 3, new int[] {1, 2, 2, 2}, 2, new int[] {16}, 0.1, 3, 32, true);
    }

    /** ddim's {@code celeba.yml} (64x64): 78,700,803 parameters. */
    public static UNetConfig celeba64() {
        return new UNetConfig(128, 3, new int[] {1, 2, 2, 2, 4}, 2, new int[] {16}, 0.1, 3, 64, true);
    }

    /** ddim's {@code bedroom.yml} / {@code church.yml} (256x256): 113,673,219 parameters. */
    public static UNetConfig lsun256() {
        return new UNetConfig(128, 3, new int[] {1, 1, 2, 2, 4, 4}, 2, new int[] {16}, 0.0, 3, 256, true);
    }

    // ---------------------------------------------------------------- accessors and geometry

    @Override
    public int[] chMult() {
        return chMult.clone();
    }

    @Override
    public int[] attnResolutions() {
        return attnResolutions.clone();
    }

    /** Number of resolution levels, {@code chMult.length}. */
    public int numLevels() {
        return chMult.length;
    }

    /** Width of the timestep embedding after the MLP, 4*ch. */
    public int tembChannels() {
        return 4 * ch;
    }

    /** Channels of level i's ResnetBlock outputs, ch*chMult[i]. */
    public int levelChannels(int level) {
        checkLevel(level);
        return ch * chMult[level];
    }

    /**
     * Side length of level i's feature maps: {@code resolution}, then each Downsample's output
     * size: floor((s + 1 - 3) / 2) + 1 with the conv (pad right/bottom by 1, 3x3, stride 2), or
     * floor(s / 2) with 2x2 average pooling.
     */
    public int levelResolution(int level) {
        checkLevel(level);
        int s = resolution;
        for (int i = 0; i < level; i++) s = downsampledSize(s, resampWithConv);
        return s;
    }

    /** Whether level i has an AttnBlock after each ResnetBlock (its resolution is in attnResolutions). */
    public boolean hasAttention(int level) {
        int r = levelResolution(level);
        for (int a : attnResolutions) if (a == r) return true;
        return false;
    }

    private static int downsampledSize(int s, boolean withConv) {
        return withConv ? Math.floorDiv(s + 1 - 3, 2) + 1 : Math.floorDiv(s, 2);
    }

    private void checkLevel(int level) {
        if (level < 0 || level >= chMult.length) {
            throw new IndexOutOfBoundsException("level " + level + " out of range 0.." + (chMult.length - 1));
        }
    }

    // ---------------------------------------------------------------- validation

    /**
     * Checks that the configuration describes a buildable model.
     *
     * @return this
     * @throws IllegalArgumentException with a one-line message naming the offending field
     */
    public UNetConfig validate() {
        if (ch <= 0) bad("ch must be positive, got " + ch);
        if (ch > 1 << 20) bad("ch = " + ch + " is unreasonably large");
        if (ch % GROUPNORM_GROUPS != 0) {
            bad("ch must be a multiple of " + GROUPNORM_GROUPS + " (GroupNorm uses " + GROUPNORM_GROUPS
                    + " groups and normalises ch channels at the first ResnetBlock), got " + ch);
        }
        if (outCh <= 0) bad("out_ch must be positive, got " + outCh);
        if (inChannels <= 0) bad("in_channels must be positive, got " + inChannels);
        if (chMult.length == 0) bad("ch_mult must list at least one level");
        for (int i = 0; i < chMult.length; i++) {
            if (chMult[i] <= 0) bad("ch_mult[" + i + "] must be positive, got " + chMult[i]);
            long c = (long) ch * chMult[i];
            if (c > 1 << 20) bad("ch*ch_mult[" + i + "] = " + c + " channels is unreasonably large");
            if (c % GROUPNORM_GROUPS != 0) {
                bad("ch*ch_mult[" + i + "] = " + c + " must be a multiple of " + GROUPNORM_GROUPS + " (GroupNorm groups)");
            }
        }
        if (numResBlocks <= 0) bad("num_res_blocks must be positive, got " + numResBlocks);
        if (numClasses < 0) bad("num_classes must be >= 0, got " + numClasses);
        if (!(dropout >= 0 && dropout < 1)) bad("dropout must be in [0, 1), got " + dropout);
        for (int a : attnResolutions) {
            if (a <= 0) bad("attn_resolutions values must be positive, got " + a);
        }
        if (resolution <= 0) bad("resolution (image_size) must be positive, got " + resolution);
        // The up path doubles the size after each Upsample, so every Downsample must halve exactly.
        StringBuilder sizes = new StringBuilder().append(resolution);
        int s = resolution;
        for (int i = 1; i < chMult.length; i++) {
            int next = downsampledSize(s, resampWithConv);
            sizes.append(" -> ").append(next);
            if (next < 1 || 2 * next != s) {
                bad("resolution " + resolution + " does not halve exactly through " + chMult.length + " levels ("
                        + sizes + "); it must be a multiple of 2^" + (chMult.length - 1) + " = "
                        + (1L << Math.min(62, chMult.length - 1)));
            }
            s = next;
        }
        return this;
    }

    private static void bad(String message) {
        throw new IllegalArgumentException("invalid UNet config: " + message);
    }

    // ---------------------------------------------------------------- JSON

    /**
     * Parses a configuration. Accepts ddim's field names ({@code ch, out_ch, ch_mult,
     * num_res_blocks, attn_resolutions, dropout, in_channels, resolution, resamp_with_conv}),
     * with {@code image_size} as a synonym of {@code resolution} and {@code channels} of
     * {@code in_channels}, either at the top level or nested like ddim's yml files
     * ({@code {"model": {...}, "data": {"image_size": 32, "channels": 3}}}). Defaults: dropout 0,
     * resamp_with_conv true, out_ch = in_channels. Other fields are ignored. The result is
     * {@linkplain #validate() validated}.
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
            throw new IllegalArgumentException("UNet config is not valid JSON: " + org.timetuner4j.io.JsonErrors.oneLine(e));
        }
        if (!root.isJsonObject()) throw new IllegalArgumentException("UNet config is not a JSON object");
        Fields f = new Fields(root.getAsJsonObject());

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
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("ch", ch);
        o.addProperty("out_ch", outCh);
        o.add("ch_mult", array(chMult));
        o.addProperty("num_res_blocks", numResBlocks);
        o.add("attn_resolutions", array(attnResolutions));
        o.addProperty("dropout", dropout);
        o.addProperty("in_channels", inChannels);
        o.addProperty("resolution", resolution);
        o.addProperty("resamp_with_conv", resampWithConv);
        if (numClasses > 0) o.addProperty("num_classes", numClasses);
        return new Gson().toJson(o);
    }

    private static JsonArray array(int[] v) {
        JsonArray a = new JsonArray();
        for (int x : v) a.add(x);
        return a;
    }

    /** Field lookup over the top level, {@code model} and {@code data}, with synonyms. */
    private static final class Fields {
        private final List<String> scopeNames = new ArrayList<>();
        private final List<JsonObject> scopes = new ArrayList<>();

        Fields(JsonObject root) {
            scopeNames.add("");
            scopes.add(root);
            for (String nested : new String[] {"model", "data"}) {
                JsonElement e = root.get(nested);
                if (e != null && e.isJsonObject()) {
                    scopeNames.add(nested + ".");
                    scopes.add(e.getAsJsonObject());
                }
            }
        }

        /** The single value given for a field under any of its names; conflicting values are an error. */
        private Map.Entry<String, JsonElement> find(String... names) {
            String foundName = null;
            JsonElement found = null;
            for (int s = 0; s < scopes.size(); s++) {
                for (String n : names) {
                    JsonElement e = scopes.get(s).get(n);
                    if (e == null) continue;
                    String where = scopeNames.get(s) + n;
                    if (found == null) {
                        found = e;
                        foundName = where;
                    } else if (!found.equals(e) && !numericallyEqual(found, e)) {
                        throw new IllegalArgumentException("UNet config gives conflicting values for " + names[0] + ": "
                                + foundName + " = " + found + " but " + where + " = " + e);
                    }
                }
            }
            return found == null ? null : Map.entry(foundName, found);
        }

        private static boolean numericallyEqual(JsonElement a, JsonElement b) {
            if (a.isJsonPrimitive() && b.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()
                    && b.getAsJsonPrimitive().isNumber()) {
                return a.getAsBigDecimal().compareTo(b.getAsBigDecimal()) == 0;
            }
            return false;
        }

        private static IllegalArgumentException missing(String... names) {
            String alt = names.length > 1 ? " (or '" + String.join("', '", Arrays.asList(names).subList(1, names.length)) + "')" : "";
            return new IllegalArgumentException("UNet config is missing required field '" + names[0] + "'" + alt);
        }

        int integer(String... names) {
            Integer v = integerOrNull(names);
            if (v == null) throw missing(names);
            return v;
        }

        Integer integerOrNull(String... names) {
            Map.Entry<String, JsonElement> e = find(names);
            if (e == null || e.getValue().isJsonNull()) return null;
            return toInt(e.getValue(), e.getKey());
        }

        int[] intList(boolean required, String... names) {
            Map.Entry<String, JsonElement> e = find(names);
            if (e == null || e.getValue().isJsonNull()) {
                if (required) throw missing(names);
                return null;
            }
            JsonElement v = e.getValue();
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) return new int[] {toInt(v, e.getKey())};
            if (!v.isJsonArray()) {
                throw new IllegalArgumentException("UNet config field '" + e.getKey() + "' must be a list of integers, got " + v);
            }
            JsonArray a = v.getAsJsonArray();
            int[] out = new int[a.size()];
            for (int i = 0; i < out.length; i++) out[i] = toInt(a.get(i), e.getKey() + "[" + i + "]");
            return out;
        }

        Double number(String... names) {
            Map.Entry<String, JsonElement> e = find(names);
            if (e == null || e.getValue().isJsonNull()) return null;
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException("UNet config field '" + e.getKey() + "' must be a number, got " + v);
            }
            return v.getAsDouble();
        }

        Boolean bool(String... names) {
            Map.Entry<String, JsonElement> e = find(names);
            if (e == null || e.getValue().isJsonNull()) return null;
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
                throw new IllegalArgumentException("UNet config field '" + e.getKey() + "' must be true or false, got " + v);
            }
            return v.getAsBoolean();
        }

        private static int toInt(JsonElement v, String field) {
            if (v instanceof JsonPrimitive p && p.isNumber()) {
                try {
                    BigDecimal d = new BigDecimal(p.getAsString());
                    if (d.scale() <= 0 || d.stripTrailingZeros().scale() <= 0) {
                        if (d.abs().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0) return d.intValueExact();
                        throw new IllegalArgumentException("UNet config field '" + field + "' is out of range: " + v);
                    }
                } catch (NumberFormatException | ArithmeticException ignored) {
                    // fall through to the error below
                }
            }
            throw new IllegalArgumentException("UNet config field '" + field + "' must be an integer, got "
                    + (v == null || v instanceof JsonNull ? "null" : v.toString()));
        }
    }

    // ---------------------------------------------------------------- state-dict layout

    /**
     * Every parameter of ddim's {@code Model} with its shape, in the order of its
     * {@code state_dict()}: temb, conv_in, down.0 ... (blocks, then attns, then downsample), mid,
     * up.0 ... (blocks, attns, upsample), norm_out, conv_out.
     */
    public LinkedHashMap<String, int[]> expectedShapes() {
        LinkedHashMap<String, int[]> m = new LinkedHashMap<>();
        int L = chMult.length;
        int temb = tembChannels();
        linear(m, "temb.dense.0", temb, ch);
        linear(m, "temb.dense.1", temb, temb);
        if (numClasses > 0) m.put("label_emb.weight", new int[] {numClasses + 1, temb});
        conv(m, "conv_in", ch, inChannels, 3);

        int[] inMult = new int[L + 1];
        inMult[0] = 1;
        System.arraycopy(chMult, 0, inMult, 1, L);

        int blockIn = ch;
        for (int i = 0; i < L; i++) {
            String p = "down." + i;
            int cin = ch * inMult[i];
            int cout = ch * chMult[i];
            for (int j = 0; j < numResBlocks; j++) {
                resBlock(m, p + ".block." + j, j == 0 ? cin : cout, cout, temb);
            }
            if (hasAttention(i)) {
                for (int j = 0; j < numResBlocks; j++) attn(m, p + ".attn." + j, cout);
            }
            if (i != L - 1 && resampWithConv) conv(m, p + ".downsample.conv", cout, cout, 3);
            blockIn = cout;
        }

        int mid = blockIn;
        resBlock(m, "mid.block_1", mid, mid, temb);
        attn(m, "mid.attn_1", mid);
        resBlock(m, "mid.block_2", mid, mid, temb);

        // Channels of h entering each up level, computed in execution order (L-1 down to 0).
        int[] upIn = new int[L];
        int h = mid;
        for (int i = L - 1; i >= 0; i--) {
            upIn[i] = h;
            h = ch * chMult[i];
        }
        for (int i = 0; i < L; i++) {
            String p = "up." + i;
            int cout = ch * chMult[i];
            int hin = upIn[i];
            for (int j = 0; j <= numResBlocks; j++) {
                int skip = j < numResBlocks ? ch * chMult[i] : ch * inMult[i];
                resBlock(m, p + ".block." + j, hin + skip, cout, temb);
                hin = cout;
            }
            if (hasAttention(i)) {
                for (int j = 0; j <= numResBlocks; j++) attn(m, p + ".attn." + j, cout);
            }
            if (i != 0 && resampWithConv) conv(m, p + ".upsample.conv", cout, cout, 3);
        }

        int last = ch * chMult[0];
        norm(m, "norm_out", last);
        conv(m, "conv_out", outCh, last, 3);
        return m;
    }

    /** Total number of parameters of the model. */
    public long parameterCount() {
        long n = 0;
        for (int[] s : expectedShapes().values()) {
            long k = 1;
            for (int d : s) k *= d;
            n += k;
        }
        return n;
    }

    private static void linear(Map<String, int[]> m, String p, int out, int in) {
        m.put(p + ".weight", new int[] {out, in});
        m.put(p + ".bias", new int[] {out});
    }

    private static void conv(Map<String, int[]> m, String p, int out, int in, int k) {
        m.put(p + ".weight", new int[] {out, in, k, k});
        m.put(p + ".bias", new int[] {out});
    }

    private static void norm(Map<String, int[]> m, String p, int c) {
        m.put(p + ".weight", new int[] {c});
        m.put(p + ".bias", new int[] {c});
    }

    private static void resBlock(Map<String, int[]> m, String p, int in, int out, int temb) {
        norm(m, p + ".norm1", in);
        conv(m, p + ".conv1", out, in, 3);
        linear(m, p + ".temb_proj", out, temb);
        norm(m, p + ".norm2", out);
        conv(m, p + ".conv2", out, out, 3);
        if (in != out) conv(m, p + ".nin_shortcut", out, in, 1);
    }

    private static void attn(Map<String, int[]> m, String p, int c) {
        norm(m, p + ".norm", c);
        conv(m, p + ".q", c, c, 1);
        conv(m, p + ".k", c, c, 1);
        conv(m, p + ".v", c, c, 1);
        conv(m, p + ".proj_out", c, c, 1);
    }

    // ---------------------------------------------------------------- inference and checking

    private static final Pattern DOWN_LEVEL = Pattern.compile("^down\\.(\\d+)\\.");
    private static final Pattern DOWN0_BLOCK = Pattern.compile("^down\\.0\\.block\\.(\\d+)\\.");

    /**
     * Infers the configuration of a ddim-layout state dict from its key names and shapes: ch and
     * in_channels from {@code conv_in.weight}, out_ch from {@code conv_out.weight}, the levels from
     * the distinct {@code down.{i}}, ch_mult from each level's {@code block.0.conv1.weight}, the
     * block count from {@code down.0.block.{j}}, attention levels from {@code down.{i}.attn} keys
     * (turned into resolutions using {@code resolution}, which the weights cannot tell), and
     * resamp_with_conv from {@code down.0.downsample.conv.weight} (true for a single level). Dropout
     * is 0. The result is {@linkplain #validate() validated}; use {@link #checkShapes} to compare
     * every key.
     *
     * @param resolution the image size the model is meant for
     * @throws IllegalArgumentException if the keys are not ddim's, or the shapes are inconsistent
     */
    public static UNetConfig infer(Map<String, int[]> shapes, int resolution) {
        Objects.requireNonNull(shapes, "shapes");
        if (!shapes.containsKey("conv_in.weight") || !shapes.containsKey("temb.dense.0.weight")) {
            String hint = "";
            if (shapes.containsKey("time_embedding.linear_1.weight")) hint = "; it looks like a diffusers UNet2DModel";
            else if (shapes.containsKey("time_embed.0.weight")) hint = "; it looks like an OpenAI (improved/guided-diffusion) UNet";
            throw new IllegalArgumentException("not a ddim-layout UNet: no 'conv_in.weight' and 'temb.dense.0.weight' keys"
                    + hint + " (first keys: " + firstKeys(shapes) + ")");
        }
        int[] convIn = shape(shapes, "conv_in.weight", 4);
        int ch = convIn[0];
        int inChannels = convIn[1];
        if (ch <= 0) throw new IllegalArgumentException("conv_in.weight has shape " + Arrays.toString(convIn) + " (no channels)");
        int outCh = shape(shapes, "conv_out.weight", 4)[0];

        TreeSet<Integer> levels = new TreeSet<>();
        TreeSet<Integer> blocks = new TreeSet<>();
        for (String k : shapes.keySet()) {
            Matcher lm = DOWN_LEVEL.matcher(k);
            if (lm.find()) levels.add(parseIndex(lm.group(1), k));
            Matcher bm = DOWN0_BLOCK.matcher(k);
            if (bm.find()) blocks.add(parseIndex(bm.group(1), k));
        }
        if (levels.isEmpty()) throw new IllegalArgumentException("ddim UNet has no 'down.{i}' keys");
        int L = levels.size();
        if (levels.last() != L - 1) {
            throw new IllegalArgumentException("ddim UNet down levels are not numbered 0.." + (L - 1) + ": " + levels);
        }
        int nrb = blocks.size();
        if (nrb == 0 || blocks.last() != nrb - 1) {
            throw new IllegalArgumentException("ddim UNet down.0 blocks are not numbered 0..n-1: " + blocks);
        }
        int[] chMult = new int[L];
        boolean[] attnLevel = new boolean[L];
        for (int i = 0; i < L; i++) {
            int cout = shape(shapes, "down." + i + ".block.0.conv1.weight", 4)[0];
            if (cout % ch != 0) {
                throw new IllegalArgumentException("down." + i + ".block.0.conv1.weight has " + cout
                        + " output channels, not a multiple of ch = " + ch);
            }
            chMult[i] = cout / ch;
            String attnPrefix = "down." + i + ".attn.";
            for (String k : shapes.keySet()) {
                if (k.startsWith(attnPrefix)) {
                    attnLevel[i] = true;
                    break;
                }
            }
        }
        boolean resamp = L == 1 || shapes.containsKey("down.0.downsample.conv.weight");
        // Resolutions of the levels, as validate() requires them: exact halving.
        UNetConfig probe = new UNetConfig(ch, outCh, chMult, nrb, new int[0], 0.0, inChannels, resolution, resamp).validate();
        List<Integer> attn = new ArrayList<>();
        for (int i = 0; i < L; i++) if (attnLevel[i]) attn.add(probe.levelResolution(i));
        int[] labelEmb = shapes.get("label_emb.weight");
        int classes = labelEmb != null && labelEmb.length == 2 && labelEmb[0] > 1 ? labelEmb[0] - 1 : 0;
        return new UNetConfig(ch, outCh, chMult, nrb, attn.stream().mapToInt(Integer::intValue).toArray(), 0.0,
                inChannels, resolution, resamp, classes).validate();
    }

    private static int parseIndex(String digits, String key) {
        if (digits.length() > 6) throw new IllegalArgumentException("implausible index in key '" + key + "'");
        return Integer.parseInt(digits);
    }

    private static int[] shape(Map<String, int[]> shapes, String key, int rank) {
        int[] s = shapes.get(key);
        if (s == null) throw new IllegalArgumentException("ddim UNet is missing key '" + key + "'");
        if (s.length != rank) {
            throw new IllegalArgumentException("'" + key + "' has shape " + Arrays.toString(s) + ", expected rank " + rank);
        }
        return s;
    }

    private static String firstKeys(Map<String, int[]> shapes) {
        List<String> keys = new ArrayList<>();
        for (String k : shapes.keySet()) {
            if (keys.size() == 3) {
                keys.add("...");
                break;
            }
            keys.add(k);
        }
        return keys.isEmpty() ? "none" : String.join(", ", keys);
    }

    /**
     * Compares a state dict's shapes with what {@code cfg} expects.
     *
     * @return one human-readable line per problem (missing key, unexpected key, wrong shape), in
     *         expected-key order followed by unexpected keys; empty when everything matches
     */
    public static List<String> checkShapes(UNetConfig cfg, Map<String, int[]> shapes) {
        List<String> problems = new ArrayList<>();
        Map<String, int[]> expected = cfg.expectedShapes();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            int[] found = shapes.get(e.getKey());
            if (found == null) {
                problems.add("missing key '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue()) + ")");
            } else if (!Arrays.equals(found, e.getValue())) {
                problems.add("key '" + e.getKey() + "' has shape " + Arrays.toString(found) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                problems.add("unexpected key '" + e.getKey() + "' (shape " + Arrays.toString(e.getValue()) + ")");
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- Object methods

    @Override
    public boolean equals(Object o) {
        return o instanceof UNetConfig c && ch == c.ch && outCh == c.outCh && Arrays.equals(chMult, c.chMult)
                && numResBlocks == c.numResBlocks && Arrays.equals(attnResolutions, c.attnResolutions)
                && Double.compare(dropout, c.dropout) == 0 && inChannels == c.inChannels
                && resolution == c.resolution && resampWithConv == c.resampWithConv && numClasses == c.numClasses;
    }

    @Override
    public int hashCode() {
        return Objects.hash(ch, outCh, Arrays.hashCode(chMult), numResBlocks, Arrays.hashCode(attnResolutions),
                dropout, inChannels, resolution, resampWithConv, numClasses);
    }

    @Override
    public String toString() {
        return "UNetConfig[ch=" + ch + ", outCh=" + outCh + ", chMult=" + Arrays.toString(chMult)
                + ", numResBlocks=" + numResBlocks + ", attnResolutions=" + Arrays.toString(attnResolutions)
                + ", dropout=" + dropout + ", inChannels=" + inChannels + ", resolution=" + resolution
                + ", resampWithConv=" + resampWithConv + (numClasses > 0 ? ", numClasses=" + numClasses : "") + "]";
    }
}
