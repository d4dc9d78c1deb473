package org.timetuner4j.io.convert;

import org.timetuner4j.io.torch.Py;
import org.timetuner4j.io.torch.TorchTensor;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the UNet weights inside what a {@code torch.save} file holds (spec §4.10, step 1):
 *
 * <ul>
 *   <li>a bare state dict (name → tensor; scalar extras are ignored);</li>
 *   <li>ddim's training list {@code [model_state, optimizer_state, epoch, step, ema_state]}:
 *       element 0 holds the raw weights, the last element the EMA weights ({@code ema});</li>
 *   <li>a dict holding the state dict under a conventional key ({@code state_dict}, {@code model},
 *       {@code model_state_dict}, {@code net}, {@code params}, ...; with {@code ema}: {@code ema},
 *       {@code ema_state_dict}, {@code ema_model}, {@code model_ema}, {@code params_ema}, ...),
 *       possibly one or two levels down.</li>
 * </ul>
 */
final class StateDictFinder {
    private StateDictFinder() {}

    /**
     * The tensors found.
     *
     * @param tensors      name → tensor, in file order
     * @param where        where they were found, for the summary
     * @param ema          TRUE for EMA weights, FALSE for raw weights of a file that keeps both
     *                     apart (ddim's list), null when the file does not say
     * @param emaAvailable whether the file also holds EMA weights that were not taken
     * @param ignored      non-tensor entries skipped inside the state dict
     */
    record Found(Map<String, TorchTensor> tensors, String where, Boolean ema, boolean emaAvailable, List<String> ignored) {}

    static final List<String> RAW_KEYS = List.of("state_dict", "model_state_dict", "model_state", "model", "net",
            "module", "params", "weights", "network");
    static final List<String> EMA_KEYS = List.of("ema", "ema_state_dict", "ema_state", "ema_model", "model_ema",
            "params_ema", "ema_params", "ema_weights", "state_dict_ema", "ema_net");
    private static final List<String> NESTED_KEYS = List.of("state_dict", "model", "module", "shadow", "shadow_params", "params");

    /**
     * @throws IllegalArgumentException with a one-line message when no state dict is found, or
     *                                  {@code wantEma} is set and the file has no EMA weights
     */
    static Found find(Object root, boolean wantEma) {
        if (root instanceof Py.Dict d && isStateDict(d)) {
            if (wantEma) {
                throw new IllegalArgumentException("--ema: this file holds a single state dict, no separate EMA weights"
                        + " (files that are EMA weights already, like pesser's ema_* checkpoints, convert without --ema)");
            }
            return found(d, "the file's state dict (an " + Py.typeName(d) + ")", null, false);
        }
        if (root instanceof Py.PyList || root instanceof Py.Tuple) {
            List<Object> items = root instanceof Py.PyList l ? l.items() : ((Py.Tuple) root).items();
            String what = Py.typeName(root) + " of " + items.size() + (items.size() == 5 ? " (ddim's [model, optimizer, epoch, step, ema])" : "");
            boolean hasEma = items.size() >= 2 && items.get(items.size() - 1) instanceof Py.Dict last && isStateDict(last);
            if (wantEma) {
                if (!hasEma) {
                    throw new IllegalArgumentException("--ema: this " + what + " holds no EMA weights (ddim stores them as the last"
                            + " element when its config has model.ema: true)");
                }
                return found((Py.Dict) items.get(items.size() - 1), "element " + (items.size() - 1) + " of a " + what, true, false);
            }
            if (!items.isEmpty() && items.get(0) instanceof Py.Dict first && isStateDict(first)) {
                return found(first, "element 0 of a " + what, Boolean.FALSE, hasEma);
            }
            throw new IllegalArgumentException("the checkpoint is a " + what + " whose first element is a "
                    + (items.isEmpty() ? "nothing" : Py.typeName(items.get(0))) + ", not a state dict");
        }
        if (root instanceof Py.Dict d) {
            Found f = search(d, wantEma ? EMA_KEYS : RAW_KEYS, wantEma, "", 0);
            if (f != null) {
                boolean emaToo = !wantEma && search(d, EMA_KEYS, true, "", 0) != null;
                return new Found(f.tensors(), f.where(), emaToo ? Boolean.FALSE : f.ema(), emaToo, f.ignored());
            }
            List<String> keys = new ArrayList<>();
            for (Object k : d.entries().keySet()) {
                if (keys.size() == 8) {
                    keys.add("...");
                    break;
                }
                keys.add(k instanceof String s ? "'" + Py.clean(s) + "'" : Py.typeName(k));
            }
            throw new IllegalArgumentException((wantEma ? "--ema: found no EMA weights" : "cannot find the weights") + " in this checkpoint:"
                    + " it is a dict with keys " + String.join(", ", keys) + "; expected a state dict, "
                    + (wantEma ? "an 'ema' entry" : "a 'state_dict' entry") + ", or ddim's list");
        }
        throw new IllegalArgumentException("the checkpoint holds a " + Py.typeName(root) + ", not a state dict");
    }

    private static Found search(Py.Dict d, List<String> names, boolean ema, String path, int depth) {
        for (String name : names) {
            Object v = d.get(name);
            String here = path.isEmpty() ? "'" + name + "'" : path + "['" + name + "']";
            if (v instanceof Py.Dict sub) {
                if (isStateDict(sub)) return found(sub, "entry " + here + " of a dict", ema ? Boolean.TRUE : null, false);
                if (depth < 2) {
                    Found inner = search(sub, NESTED_KEYS, ema, here, depth + 1);
                    if (inner != null) return inner;
                }
            }
        }
        return null;
    }

    private static Found found(Py.Dict d, String where, Boolean ema, boolean emaAvailable) {
        Map<String, TorchTensor> tensors = new LinkedHashMap<>();
        List<String> ignored = new ArrayList<>();
        for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
            String k = (String) e.getKey();
            if (e.getValue() instanceof TorchTensor t) tensors.put(k, t);
            else ignored.add(k);
        }
        return new Found(tensors, where, ema, emaAvailable, ignored);
    }

    /** String keys only, at least one tensor, and otherwise only scalars. */
    static boolean isStateDict(Py.Dict d) {
        boolean tensor = false;
        for (Map.Entry<Object, Object> e : d.entries().entrySet()) {
            if (!(e.getKey() instanceof String)) return false;
            Object v = e.getValue();
            if (v instanceof TorchTensor) tensor = true;
            else if (!(v == null || v instanceof Boolean || v instanceof Long || v instanceof BigInteger
                    || v instanceof Double || v instanceof String)) {
                return false;
            }
        }
        return tensor;
    }
}
