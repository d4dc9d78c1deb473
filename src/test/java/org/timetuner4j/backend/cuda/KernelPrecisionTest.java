package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Most GPUs run double arithmetic at 1/32–1/64 of the float rate, so the packaged kernels do
 * their per-element work in float: a double multiply or fused multiply-add (which is also how a
 * double exp or sin is built) appears only in the kernels listed here, each for a stated reason.
 * Double additions — the accumulators of reductions — are allowed everywhere.
 */
class KernelPrecisionTest {
    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(");
    private static final Pattern DOUBLE_PRODUCT = Pattern.compile("\\b(mul|fma)(\\.rn)?\\.f64\\b");

    /** Kernel → why it keeps double products. */
    private static final Map<String, String> ALLOWED = Map.of(
            "adam_step", "a handful of ratios; Adam in double like the host optimiser",
            "philox_randn", "Box–Muller in double, bit-compatible with the Java backend's noise",
            "philox_randn_rows", "Box–Muller in double, bit-compatible with the Java backend's noise",
            "philox_rand", "uniforms scaled in double as the Java backend does",
            "philox_dropout_mask", "uniforms scaled in double as the Java backend does",
            "timestep_embedding_fwd", "sin/cos of batch × channels values (not per pixel), as the CPU backend",
            "timestep_embedding_bwd", "the time embedding's gradient, batch × channels values",
            "reduce_partial", "sum of squares: squares accumulated in double");

    /** Entry → how many double products its PTX holds, for every packaged kernel. */
    private static Map<String, Integer> doubleProducts() {
        Set<String> modules = Stream.of(Kernel.values()).map(k -> k.module).collect(Collectors.toSet());
        Map<String, Integer> out = new TreeMap<>();
        for (String module : modules) {
            String ptx = new String(KernelModules.ptx("/kernels/" + module + ".ptx"), StandardCharsets.US_ASCII);
            Matcher entries = ENTRY.matcher(ptx);
            int start = -1;
            String name = null;
            while (true) {
                boolean found = entries.find();
                int end = found ? entries.start() : ptx.length();
                if (name != null) {
                    Matcher m = DOUBLE_PRODUCT.matcher(ptx.substring(start, end));
                    int n = 0;
                    while (m.find()) n++;
                    out.put(name, n);
                }
                if (!found) break;
                name = entries.group(1);
                start = entries.end();
            }
        }
        return out;
    }

    @Test void perElementKernelsComputeInFloat() {
        Map<String, Integer> counts = doubleProducts();
        assertTrue(counts.containsKey("silu_fwd") && counts.containsKey("softmax_rows_fwd"), counts.keySet().toString());
        Map<String, Integer> offending = new TreeMap<>();
        counts.forEach((k, n) -> { if (n > 0 && !ALLOWED.containsKey(k)) offending.put(k, n); });
        assertEquals(Map.of(), offending, "kernels with double multiplies or FMAs (count per kernel)");
    }
}
