package org.timetuner4j.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@link OpProfile}'s twin for ONNX Runtime: the same model and inputs run in a loop with ONNX
 * Runtime's own profiler on, which times every node's kernel. Runs of the warm-up half are
 * dropped; prints the time per forward, then per operator type and for the slowest nodes their
 * wall time per forward.
 *
 * <pre>java -cp target/benchmarks.jar org.timetuner4j.bench.OnnxOpProfile digits:8 2 [SECONDS]</pre>
 */
public final class OnnxOpProfile {
    private OnnxOpProfile() {}

    public static void main(String[] args) throws Exception {
        ProfileRun run = ProfileRun.parse("OnnxOpProfile", args);
        BenchInputs in = BenchInputs.of(run.model());
        Path prefix = Files.createTempDirectory("ortprofile").resolve("ort");
        String trace;
        int warm, measured;
        try (OnnxUNet net = new OnnxUNet(OnnxUNet.defaultPath(in.config()), run.threads(), prefix.toString())) {
            ProfileRun.Forward forward = () -> net.forward(in.x(), in.xShape(), in.t());
            warm = ProfileRun.repeat(run.seconds() / 2, forward);
            measured = ProfileRun.repeat(run.seconds(), forward);
            trace = net.endProfiling();
        }
        report(run.model(), run.threads(), Path.of(trace), warm, measured);
        Files.deleteIfExists(Path.of(trace));
    }

    private static void report(String model, int threads, Path trace, int warm, int measured) throws Exception {
        JsonArray events = JsonParser.parseString(Files.readString(trace)).getAsJsonArray();
        List<long[]> runs = new ArrayList<>();  // [ts, dur] of each model_run, in order
        for (JsonElement el : events) {
            JsonObject e = el.getAsJsonObject();
            if ("Session".equals(str(e, "cat")) && "model_run".equals(str(e, "name")))
                runs.add(new long[] {e.get("ts").getAsLong(), e.get("dur").getAsLong()});
        }
        runs.sort((a, b) -> Long.compare(a[0], b[0]));
        if (runs.size() != warm + measured)
            throw new IllegalStateException("trace has " + runs.size() + " runs, expected " + (warm + measured));
        long from = runs.get(warm)[0];
        double runMicros = runs.subList(warm, runs.size()).stream().mapToLong(r -> r[1]).sum();
        Map<String, Double> byType = new HashMap<>(), byNode = new HashMap<>();
        double nodeMicros = 0;
        for (JsonElement el : events) {
            JsonObject e = el.getAsJsonObject();
            if (!"Node".equals(str(e, "cat")) || !str(e, "name").endsWith("_kernel_time") || e.get("ts").getAsLong() < from) continue;
            double dur = e.get("dur").getAsDouble();
            String type = e.getAsJsonObject("args").get("op_name").getAsString();
            byType.merge(type, dur, Double::sum);
            byNode.merge(str(e, "name").replace("_kernel_time", "") + " (" + type + ")", dur, Double::sum);
            nodeMicros += dur;
        }
        System.out.printf(Locale.ROOT, "onnx runtime %s, %d threads: %d forwards measured (%d warm-up), %.2f ms per forward (model_run), nodes %.2f ms%n",
                model, threads, measured, warm, runMicros / 1e3 / measured, nodeMicros / 1e3 / measured);
        System.out.println();
        System.out.println("| operator | share | ms per forward |");
        System.out.println("|---|---|---|");
        print(byType, nodeMicros, measured, 20);
        System.out.println();
        System.out.println("| slowest nodes | share | ms per forward |");
        System.out.println("|---|---|---|");
        print(byNode, nodeMicros, measured, 15);
    }

    private static void print(Map<String, Double> micros, double total, int runs, int rows) {
        micros.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue(), a.getValue())).limit(rows).forEach(en ->
                System.out.printf(Locale.ROOT, "| %s | %.1f %% | %.3f |%n", en.getKey(), 100 * en.getValue() / total, en.getValue() / 1e3 / runs));
    }

    private static String str(JsonObject e, String key) {
        JsonElement v = e.get(key);
        return v == null || v.isJsonNull() ? "" : v.getAsString();
    }
}
