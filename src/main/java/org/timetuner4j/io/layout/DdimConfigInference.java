package org.timetuner4j.io.layout;

import org.timetuner4j.nn.UNetConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a ddim-layout UNet's configuration off its weights' key names and shapes. */
public final class DdimConfigInference {
    private DdimConfigInference() {}

    private static final Pattern DOWN_LEVEL = Pattern.compile("^down\\.(\\d+)\\.");
    private static final Pattern DOWN0_BLOCK = Pattern.compile("^down\\.0\\.block\\.(\\d+)\\.");

    /**
     * Infers the configuration of a ddim-layout state dict from its key names and shapes: ch and
     * in_channels from {@code conv_in.weight}, out_ch from {@code conv_out.weight}, the levels from
     * the distinct {@code down.{i}}, ch_mult from each level's {@code block.0.conv1.weight}, the
     * block count from {@code down.0.block.{j}}, attention levels from {@code down.{i}.attn} keys
     * (turned into resolutions using {@code resolution}, which the weights cannot tell), and
     * resamp_with_conv from {@code down.0.downsample.conv.weight} (true for a single level). Dropout
     * is 0. The result is {@linkplain UNetConfig#validate() validated}; use {@link DdimShapeCheck#problems} to compare
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
}
