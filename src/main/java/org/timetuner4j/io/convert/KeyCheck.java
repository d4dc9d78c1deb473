package org.timetuner4j.io.convert;

import org.timetuner4j.io.convert.CheckpointConverter.Layout;
import org.timetuner4j.io.torch.Py;
import org.timetuner4j.nn.UNetConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Every key and shape of a mapped state dict against what a config expects. Mis-shaped keys are
 * always refused; missing and unexpected ones unless allowed, and then they are warned about
 * (missing keys are filled when the weights are read, unexpected ones dropped).
 */
final class KeyCheck {
    private KeyCheck() {}

    /**
     * Checks {@code keys} against {@code expected} (the ddim layout of {@code cfg}).
     *
     * @throws CheckpointMismatchException listing every problem
     */
    static void check(UNetConfig cfg, Map<String, int[]> expected, KeyMapping keys, boolean allowMissing, List<String> warnings) {
        Layout layout = keys.layout();
        Map<String, SourceTensor> mapped = keys.mapped();
        List<String> details = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            SourceTensor s = mapped.get(e.getKey());
            String shown = layout == Layout.DIFFUSERS
                    ? DiffusersKeys.toDiffusers(e.getKey(), cfg.numLevels(), keys.deprecatedNames()) + " (engine: " + e.getKey() + ")"
                    : e.getKey();
            if (s == null) {
                missing.add(e.getKey());
                int[] want = e.getValue();
                if (layout == Layout.DIFFUSERS && DiffusersKeys.isAttentionProjection(e.getKey())) want = new int[] {want[0], want[1]};
                details.add("missing     " + shown + " " + Arrays.toString(want));
            } else if (!Arrays.equals(s.shape(), e.getValue())) {
                misShaped.add(e.getKey());
                details.add("wrong shape " + Py.clean(s.name()) + ": " + Arrays.toString(s.shape()) + " in the checkpoint, "
                        + Arrays.toString(e.getValue()) + " expected");
            }
        }
        for (String u : keys.unmapped()) {
            unexpected.add(u);
            details.add("unexpected  " + Py.clean(u) + " " + Arrays.toString(keys.tensors().get(u).shape()));
        }
        for (Map.Entry<String, SourceTensor> e : mapped.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                unexpected.add(e.getValue().name());
                details.add("unexpected  " + Py.clean(e.getValue().name()) + " " + Arrays.toString(e.getValue().shape()));
            }
        }
        if (!misShaped.isEmpty() || (!allowMissing && !(missing.isEmpty() && unexpected.isEmpty()))) {
            throw mismatch(cfg, missing, unexpected, misShaped, details, layout);
        }
        if (!missing.isEmpty()) {
            warnings.add(missing.size() + " missing key(s) filled with zeros (GroupNorm scales with ones): " + KeyNames.list(missing));
        }
        if (!unexpected.isEmpty()) warnings.add(unexpected.size() + " unexpected key(s) dropped: " + KeyNames.list(unexpected));
    }

    private static CheckpointMismatchException mismatch(UNetConfig cfg, List<String> missing, List<String> unexpected,
                                                        List<String> misShaped, List<String> details, Layout layout) {
        StringBuilder b = new StringBuilder("the checkpoint does not match the UNet config (ch " + cfg.ch() + ", ch_mult "
                + Arrays.toString(cfg.chMult()) + ", num_res_blocks " + cfg.numResBlocks() + ", attn_resolutions "
                + Arrays.toString(cfg.attnResolutions()) + "): ");
        List<String> parts = new ArrayList<>();
        if (!missing.isEmpty()) parts.add(missing.size() + " missing (" + KeyNames.list(missing) + ")");
        if (!unexpected.isEmpty()) parts.add(unexpected.size() + " unexpected (" + KeyNames.list(unexpected) + ")");
        if (!misShaped.isEmpty()) parts.add(misShaped.size() + " with the wrong shape (" + KeyNames.list(misShaped) + ")");
        b.append(String.join(", ", parts));
        if (misShaped.isEmpty()) b.append("; --allow-missing converts anyway");
        if (layout == Layout.DIFFUSERS && !missing.isEmpty()) b.append(" (missing keys are shown with ddim names)");
        return new CheckpointMismatchException(b.toString(), details);
    }
}
