package org.timetuner4j.io.convert;

import org.timetuner4j.io.convert.CheckpointConverter.Layout;
import org.timetuner4j.io.torch.Py;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state dict under the engine's (ddim) names: wrapper prefixes ({@code module.} of
 * DataParallel, a {@code model.} on every key) removed, the key layout detected or checked, and
 * diffusers' names mapped onto ddim's.
 *
 * @param layout          the layout of the input's keys
 * @param notes           what was done, for the summary's layout line
 * @param tensors         the input's tensors with prefixes removed, by name
 * @param mapped          the tensors by engine name (diffusers' 2-d attention projections as 1×1 convs)
 * @param unmapped        input names with no engine name
 * @param deprecatedNames diffusers' old attention names (query/key/value/proj_attn) are used
 */
record KeyMapping(Layout layout, List<String> notes, Map<String, SourceTensor> tensors, Map<String, SourceTensor> mapped,
                  List<String> unmapped, boolean deprecatedNames) {

    /** Maps {@code input}'s names; {@code requested} is the layout asked for (AUTO or null to detect it). */
    static KeyMapping of(Map<String, SourceTensor> input, Layout requested) {
        List<String> layoutNotes = new ArrayList<>();
        Map<String, SourceTensor> tensors = stripPrefixes(input, layoutNotes);
        Layout detected = detect(tensors.keySet());
        Layout layout = requested == null ? Layout.AUTO : requested;
        if (layout == Layout.AUTO) {
            if (detected == null) {
                throw new IllegalArgumentException("cannot tell the key layout: no 'temb.dense.0.weight' (ddim) or"
                        + " 'time_embedding.linear_1.weight' (diffusers) key (first keys: " + KeyNames.first(tensors.keySet()) + ")");
            }
            layout = detected;
            layoutNotes.add(0, "detected");
        } else if (detected != null && detected != layout) {
            throw new IllegalArgumentException("--layout " + layout.word() + " given, but the keys are " + detected.word() + "'s (e.g. '"
                    + (detected == Layout.DDIM ? "temb.dense.0.weight" : "time_embedding.linear_1.weight") + "')");
        }
        int levels = layout == Layout.DIFFUSERS ? DiffusersKeys.levels(tensors.keySet()) : 0;
        Map<String, SourceTensor> mapped = new LinkedHashMap<>();
        Map<String, String> sourceName = new LinkedHashMap<>();
        List<String> unmapped = new ArrayList<>();
        boolean deprecatedNames = false;
        for (SourceTensor s : tensors.values()) {
            String key = layout == Layout.DIFFUSERS ? DiffusersKeys.toDdim(s.name(), levels) : s.name();
            if (key == null) {
                unmapped.add(s.name());
                continue;
            }
            if (layout == Layout.DIFFUSERS && DiffusersKeys.isDeprecatedAttentionName(s.name())) deprecatedNames = true;
            if (mapped.containsKey(key)) {
                throw new IllegalArgumentException("the checkpoint has both '" + Py.clean(sourceName.get(key)) + "' and '"
                        + Py.clean(s.name()) + "', which are the same weight (" + key + ")");
            }
            int[] shape = s.shape();
            if (DiffusersKeys.isAttentionProjection(key) && shape.length == 2) shape = new int[] {shape[0], shape[1], 1, 1};
            mapped.put(key, s.reshaped(shape));
            sourceName.put(key, s.name());
        }
        if (layout == Layout.DIFFUSERS) {
            layoutNotes.add("attention names " + (deprecatedNames ? "query/key/value/proj_attn (deprecated spelling)" : "to_q/to_k/to_v/to_out.0"));
        }
        return new KeyMapping(layout, layoutNotes, tensors, mapped, unmapped, deprecatedNames);
    }

    /** The engine names' shapes. */
    Map<String, int[]> shapes() {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        mapped.forEach((k, v) -> shapes.put(k, v.shape()));
        return shapes;
    }

    private static Map<String, SourceTensor> stripPrefixes(Map<String, SourceTensor> in, List<String> notes) {
        Map<String, SourceTensor> m = in;
        int stripped = 0;
        while (!m.isEmpty() && m.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            Map<String, SourceTensor> next = new LinkedHashMap<>();
            m.forEach((k, v) -> next.put(k.substring(7), v.renamed(k.substring(7))));
            m = next;
            stripped++;
        }
        if (stripped > 0) notes.add("'module.' prefix (DataParallel) removed" + (stripped > 1 ? " " + stripped + " times" : ""));
        if (detect(m.keySet()) == null) {
            // A wrapper's prefix such as "model." on every key.
            for (String marker : new String[] {"temb.dense.0.weight", "time_embedding.linear_1.weight"}) {
                for (String k : m.keySet()) {
                    if (k.endsWith("." + marker)) {
                        String prefix = k.substring(0, k.length() - marker.length());
                        if (m.keySet().stream().allMatch(x -> x.startsWith(prefix))) {
                            Map<String, SourceTensor> next = new LinkedHashMap<>();
                            int n = prefix.length();
                            m.forEach((kk, v) -> next.put(kk.substring(n), v.renamed(kk.substring(n))));
                            notes.add("'" + Py.clean(prefix) + "' prefix removed");
                            return next;
                        }
                    }
                }
            }
        }
        return m;
    }

    /** The layout the keys are in, or null when neither is recognisable. */
    static Layout detect(Set<String> keys) {
        boolean ddim = keys.contains("temb.dense.0.weight") || keys.stream().anyMatch(k -> k.startsWith("down.") && k.contains(".block."));
        boolean diffusers = keys.contains("time_embedding.linear_1.weight")
                || keys.stream().anyMatch(k -> k.startsWith("down_blocks.") || k.startsWith("mid_block."));
        if (keys.contains("time_embed.0.weight") || keys.stream().anyMatch(k -> k.startsWith("input_blocks."))) {
            throw new IllegalArgumentException("this is an OpenAI improved-/guided-diffusion UNet (input_blocks, time_embed);"
                    + " the engine runs the DDPM UNet (ddim or diffusers UNet2DModel layout)");
        }
        if (ddim && diffusers) throw new IllegalArgumentException("the checkpoint mixes ddim and diffusers key names");
        return ddim ? Layout.DDIM : diffusers ? Layout.DIFFUSERS : null;
    }
}
