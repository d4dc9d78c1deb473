package org.timetuner4j.io.convert;

import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Key names of diffusers' {@code UNet2DModel} and their ddim equivalents (spec Part B §2.4-2.5).
 * The mapping is one to one, given L, the number of levels (down blocks):
 *
 * <pre>
 * time_embedding.linear_{1,2}                 temb.dense.{0,1}
 * class_embedding (num_class_embeds = K)      label_emb   (K − 1 classes, row K − 1 the null label)
 * conv_in, conv_out                           conv_in, conv_out
 * conv_norm_out                               norm_out
 * down_blocks.i.resnets.j.X                   down.i.block.j.X'     X': time_emb_proj→temb_proj,
 * down_blocks.i.attentions.j.Y                down.i.attn.j.Y'          conv_shortcut→nin_shortcut
 * down_blocks.i.downsamplers.0.conv           down.i.downsample.conv
 * mid_block.resnets.{0,1}.X                   mid.block_{1,2}.X'
 * mid_block.attentions.0.Y                    mid.attn_1.Y'
 * up_blocks.u.resnets.j.X                     up.(L-1-u).block.j.X'   (index reversed)
 * up_blocks.u.attentions.j.Y                  up.(L-1-u).attn.j.Y'
 * up_blocks.u.upsamplers.0.conv               up.(L-1-u).upsample.conv
 * </pre>
 *
 * Attention sub-names Y → Y': group_norm→norm, to_q→q, to_k→k, to_v→v, to_out.0→proj_out, and
 * the deprecated spelling of files written before diffusers' {@code Attention} class: query→q,
 * key→k, value→v, proj_attn→proj_out. Attention projections are Linear {@code [C, C]} in diffusers
 * and 1×1 convolutions {@code [C, C, 1, 1]} in ddim (same numbers, same order).
 */
public final class DiffusersKeys {
    private DiffusersKeys() {}

    private static final Map<String, String> RESNET_TO_DDIM = Map.of(
            "norm1", "norm1", "conv1", "conv1", "time_emb_proj", "temb_proj", "norm2", "norm2", "conv2", "conv2",
            "conv_shortcut", "nin_shortcut");
    private static final Map<String, String> RESNET_TO_DIFFUSERS = Map.of(
            "norm1", "norm1", "conv1", "conv1", "temb_proj", "time_emb_proj", "norm2", "norm2", "conv2", "conv2",
            "nin_shortcut", "conv_shortcut");
    private static final Map<String, String> ATTN_TO_DDIM = Map.of(
            "group_norm", "norm", "to_q", "q", "to_k", "k", "to_v", "v", "to_out.0", "proj_out",
            "query", "q", "key", "k", "value", "v", "proj_attn", "proj_out");
    private static final Map<String, String> ATTN_TO_DIFFUSERS = Map.of(
            "norm", "group_norm", "q", "to_q", "k", "to_k", "v", "to_v", "proj_out", "to_out.0");
    private static final Map<String, String> ATTN_TO_DIFFUSERS_OLD = Map.of(
            "norm", "group_norm", "q", "query", "k", "key", "v", "value", "proj_out", "proj_attn");

    private static final String P = "\\.(weight|bias)$";
    private static final Pattern TEMB = Pattern.compile("^time_embedding\\.linear_([12])" + P);
    private static final Pattern SAME = Pattern.compile("^(conv_in|conv_out)" + P);
    private static final Pattern NORM_OUT = Pattern.compile("^conv_norm_out" + P);
    private static final Pattern BLOCK_RESNET = Pattern.compile("^(down|up)_blocks\\.(\\d{1,6})\\.resnets\\.(\\d{1,6})\\.(\\w+)" + P);
    private static final Pattern BLOCK_ATTN = Pattern.compile("^(down|up)_blocks\\.(\\d{1,6})\\.attentions\\.(\\d{1,6})\\.(\\w+(?:\\.0)?)" + P);
    private static final Pattern DOWNSAMPLER = Pattern.compile("^down_blocks\\.(\\d{1,6})\\.downsamplers\\.0\\.conv" + P);
    private static final Pattern UPSAMPLER = Pattern.compile("^up_blocks\\.(\\d{1,6})\\.upsamplers\\.0\\.conv" + P);
    private static final Pattern MID_RESNET = Pattern.compile("^mid_block\\.resnets\\.([01])\\.(\\w+)" + P);
    private static final Pattern MID_ATTN = Pattern.compile("^mid_block\\.attentions\\.0\\.(\\w+(?:\\.0)?)" + P);
    private static final Pattern BLOCK_INDEX = Pattern.compile("^(down|up)_blocks\\.(\\d{1,6})\\.");

    private static final Pattern DDIM_TEMB = Pattern.compile("^temb\\.dense\\.([01])" + P);
    private static final Pattern DDIM_SAME = Pattern.compile("^(conv_in|conv_out)" + P);
    private static final Pattern DDIM_NORM_OUT = Pattern.compile("^norm_out" + P);
    private static final Pattern DDIM_BLOCK = Pattern.compile("^(down|up)\\.(\\d{1,6})\\.block\\.(\\d{1,6})\\.(\\w+)" + P);
    private static final Pattern DDIM_ATTN = Pattern.compile("^(down|up)\\.(\\d{1,6})\\.attn\\.(\\d{1,6})\\.(\\w+)" + P);
    private static final Pattern DDIM_DOWNSAMPLE = Pattern.compile("^down\\.(\\d{1,6})\\.downsample\\.conv" + P);
    private static final Pattern DDIM_UPSAMPLE = Pattern.compile("^up\\.(\\d{1,6})\\.upsample\\.conv" + P);
    private static final Pattern DDIM_MID_BLOCK = Pattern.compile("^mid\\.block_([12])\\.(\\w+)" + P);
    private static final Pattern DDIM_MID_ATTN = Pattern.compile("^mid\\.attn_1\\.(\\w+)" + P);
    private static final Pattern DDIM_ATTN_PROJECTION =
            Pattern.compile("^(?:(?:down|up)\\.\\d{1,6}\\.attn\\.\\d{1,6}|mid\\.attn_1)\\.(?:q|k|v|proj_out)\\.weight$");

    /**
     * The number of levels of a diffusers UNet: one more than the largest {@code down_blocks.i}
     * (or {@code up_blocks.u}) index; 0 when there is none.
     */
    public static int levels(Collection<String> diffusersKeys) {
        TreeSet<Integer> seen = new TreeSet<>();
        for (String k : diffusersKeys) {
            Matcher m = BLOCK_INDEX.matcher(k);
            if (m.find()) seen.add(Integer.parseInt(m.group(2)));
        }
        return seen.isEmpty() ? 0 : seen.last() + 1;
    }

    /** True for keys spelled the pre-{@code Attention} way ({@code query/key/value/proj_attn}). */
    public static boolean isDeprecatedAttentionName(String diffusersKey) {
        return diffusersKey.matches(".*\\.attentions\\.\\d+\\.(query|key|value|proj_attn)\\.(weight|bias)$");
    }

    /**
     * The ddim key of a diffusers key, or null when the key is not part of a DDPM UNet2DModel
     * (or names an up block ≥ {@code levels}).
     */
    public static String toDdim(String key, int levels) {
        Matcher m;
        if ((m = TEMB.matcher(key)).matches()) return "temb.dense." + (m.group(1).equals("1") ? 0 : 1) + "." + m.group(2);
        if (key.equals("class_embedding.weight")) return "label_emb.weight";
        if ((m = SAME.matcher(key)).matches()) return key;
        if ((m = NORM_OUT.matcher(key)).matches()) return "norm_out." + m.group(1);
        if ((m = BLOCK_RESNET.matcher(key)).matches()) {
            String sub = RESNET_TO_DDIM.get(m.group(4));
            String level = level(m.group(1), m.group(2), levels);
            return sub == null || level == null ? null : level + ".block." + index(m.group(3)) + "." + sub + "." + m.group(5);
        }
        if ((m = BLOCK_ATTN.matcher(key)).matches()) {
            String sub = ATTN_TO_DDIM.get(m.group(4));
            String level = level(m.group(1), m.group(2), levels);
            return sub == null || level == null ? null : level + ".attn." + index(m.group(3)) + "." + sub + "." + m.group(5);
        }
        if ((m = DOWNSAMPLER.matcher(key)).matches()) return "down." + index(m.group(1)) + ".downsample.conv." + m.group(2);
        if ((m = UPSAMPLER.matcher(key)).matches()) {
            String level = level("up", m.group(1), levels);
            return level == null ? null : level + ".upsample.conv." + m.group(2);
        }
        if ((m = MID_RESNET.matcher(key)).matches()) {
            String sub = RESNET_TO_DDIM.get(m.group(2));
            return sub == null ? null : "mid.block_" + (index(m.group(1)) + 1) + "." + sub + "." + m.group(3);
        }
        if ((m = MID_ATTN.matcher(key)).matches()) {
            String sub = ATTN_TO_DDIM.get(m.group(1));
            return sub == null ? null : "mid.attn_1." + sub + "." + m.group(2);
        }
        return null;
    }

    /**
     * The diffusers key of a ddim key, or null when it is not a DDPM UNet key.
     *
     * @param deprecatedAttentionNames spell attention projections {@code query/key/value/proj_attn}
     */
    public static String toDiffusers(String key, int levels, boolean deprecatedAttentionNames) {
        Map<String, String> attn = deprecatedAttentionNames ? ATTN_TO_DIFFUSERS_OLD : ATTN_TO_DIFFUSERS;
        Matcher m;
        if ((m = DDIM_TEMB.matcher(key)).matches()) return "time_embedding.linear_" + (m.group(1).equals("0") ? 1 : 2) + "." + m.group(2);
        if (key.equals("label_emb.weight")) return "class_embedding.weight";
        if ((m = DDIM_SAME.matcher(key)).matches()) return key;
        if ((m = DDIM_NORM_OUT.matcher(key)).matches()) return "conv_norm_out." + m.group(1);
        if ((m = DDIM_BLOCK.matcher(key)).matches()) {
            String sub = RESNET_TO_DIFFUSERS.get(m.group(4));
            String block = block(m.group(1), m.group(2), levels);
            return sub == null || block == null ? null : block + ".resnets." + index(m.group(3)) + "." + sub + "." + m.group(5);
        }
        if ((m = DDIM_ATTN.matcher(key)).matches()) {
            String sub = attn.get(m.group(4));
            String block = block(m.group(1), m.group(2), levels);
            return sub == null || block == null ? null : block + ".attentions." + index(m.group(3)) + "." + sub + "." + m.group(5);
        }
        if ((m = DDIM_DOWNSAMPLE.matcher(key)).matches()) return "down_blocks." + index(m.group(1)) + ".downsamplers.0.conv." + m.group(2);
        if ((m = DDIM_UPSAMPLE.matcher(key)).matches()) {
            String block = block("up", m.group(1), levels);
            return block == null ? null : block + ".upsamplers.0.conv." + m.group(2);
        }
        if ((m = DDIM_MID_BLOCK.matcher(key)).matches()) {
            String sub = RESNET_TO_DIFFUSERS.get(m.group(2));
            return sub == null ? null : "mid_block.resnets." + (index(m.group(1)) - 1) + "." + sub + "." + m.group(3);
        }
        if ((m = DDIM_MID_ATTN.matcher(key)).matches()) {
            String sub = attn.get(m.group(1));
            return sub == null ? null : "mid_block.attentions.0." + sub + "." + m.group(2);
        }
        return null;
    }

    /** True for the ddim keys of attention q/k/v/proj_out weights ({@code [C, C, 1, 1]} in ddim). */
    public static boolean isAttentionProjection(String ddimKey) {
        return DDIM_ATTN_PROJECTION.matcher(ddimKey).matches();
    }

    private static int index(String digits) {
        return Integer.parseInt(digits);
    }

    /** ddim level prefix of diffusers block {@code side_blocks.i}; up blocks count from the coarsest level. */
    private static String level(String side, String digits, int levels) {
        int i = index(digits);
        if (side.equals("down")) return "down." + i;
        return i < levels ? "up." + (levels - 1 - i) : null;
    }

    private static String block(String side, String digits, int levels) {
        int i = index(digits);
        if (side.equals("down")) return "down_blocks." + i;
        return i < levels ? "up_blocks." + (levels - 1 - i) : null;
    }
}
