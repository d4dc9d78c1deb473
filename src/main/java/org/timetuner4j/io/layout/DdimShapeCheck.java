package org.timetuner4j.io.layout;

import org.timetuner4j.nn.UNetConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Compares a state dict's shapes with the ddim layout of a configuration. */
public final class DdimShapeCheck {
    private DdimShapeCheck() {}

    /**
     * Compares a state dict's shapes with what {@code cfg} expects.
     *
     * @return one human-readable line per problem (missing key, unexpected key, wrong shape), in
     *         expected-key order followed by unexpected keys; empty when everything matches
     */
    public static List<String> problems(UNetConfig cfg, Map<String, int[]> shapes) {
        List<String> problems = new ArrayList<>();
        Map<String, int[]> expected = DdimLayout.expectedShapes(cfg);
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
}
