package org.timetuner4j.bench;

import org.timetuner4j.data.ImageGrid;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The ONNX Runtime side of bench/compare-whole-process.sh: the smallest Java program that goes
 * from process start to a PNG with the exported UNet. DDIM (η = 0) with 10 network calls on the
 * discrete grid t = 900, 800, …, 0 of the DDPM linear schedule (what {@code timetuner sample
 * --nfe 10} does on the official trajectory), noise from a seeded Gaussian, the samples as a PNG
 * grid. Prints the time from JVM start to the PNG, and that of the ten forwards alone.
 *
 * <pre>java -cp target/benchmarks.jar org.timetuner4j.bench.OnnxSample CONFIG MODEL.onnx BATCH THREADS OUT.png</pre>
 */
public final class OnnxSample {
    private static final int STEPS = 1000, NFE = 10;

    private OnnxSample() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: OnnxSample CONFIG MODEL.onnx BATCH THREADS OUT.png");
            System.exit(2);
        }
        UNetConfig cfg = UNetConfigJson.fromJson(Files.readString(Path.of("bench/configs", args[0] + ".json")));
        int batch = Integer.parseInt(args[2]), threads = Integer.parseInt(args[3]);
        int c = cfg.inChannels(), r = cfg.resolution();
        long[] shape = {batch, c, r, r};

        double[] alphaBar = new double[STEPS];
        double prod = 1;
        for (int i = 0; i < STEPS; i++) {
            prod *= 1 - (1e-4 + (0.02 - 1e-4) * i / (STEPS - 1));
            alphaBar[i] = prod;
        }
        SplittableRandom rng = new SplittableRandom(0);
        float[] x = new float[batch * c * r * r];
        for (int i = 0; i < x.length; i++) x[i] = (float) gaussian(rng);

        long forwardsStart;
        try (OnnxUNet net = new OnnxUNet(Path.of(args[1]), threads)) {
            forwardsStart = System.nanoTime();
            float[] t = new float[batch];
            for (int k = NFE - 1; k >= 0; k--) {
                int step = k * (STEPS / NFE);
                java.util.Arrays.fill(t, step);
                float[] eps = net.forward(x, shape, t);
                double a = alphaBar[step], aNext = k == 0 ? 1.0 : alphaBar[step - STEPS / NFE];
                for (int i = 0; i < x.length; i++) {
                    double x0 = (x[i] - Math.sqrt(1 - a) * eps[i]) / Math.sqrt(a);
                    x[i] = (float) (Math.sqrt(aNext) * x0 + Math.sqrt(1 - aNext) * eps[i]);
                }
            }
        }
        double forwardsMs = (System.nanoTime() - forwardsStart) / 1e6;
        ImageGrid.writePng(x, batch, c, r, r, Path.of(args[4]));
        long uptimeMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        System.out.printf("onnx_sample batch=%d threads=%d onnxruntime %s forwards_ms=%.0f jvm_uptime_ms=%d wrote %s%n",
                batch, threads, OnnxUNet.version(), forwardsMs, uptimeMs, args[4]);
    }

    private static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble(), v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
