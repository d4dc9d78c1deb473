package org.timetuner4j.bench;

import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.tensor.Scope;

import java.nio.file.Path;

/**
 * Checks that the exported ONNX model computes the function {@link UNetForwardBenchmark} times:
 * our UNet with the benchmark's weights (initialize(1234), as RandomModel's default seed) and
 * ONNX Runtime on the same inputs ({@link BenchInputs}). Prints the largest absolute difference
 * and that over the largest |ours| (relative); exits 1 above the tolerance (default 1e-4).
 *
 * <pre>java -cp target/benchmarks.jar org.timetuner4j.bench.OnnxCheck cifar10:8 [MODEL.onnx] [TOL]</pre>
 */
public final class OnnxCheck {
    private OnnxCheck() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: OnnxCheck CONFIG:BATCH [MODEL.onnx] [TOLERANCE]");
            System.exit(2);
        }
        BenchInputs in = BenchInputs.of(args[0]);
        Path onnx = args.length > 1 ? Path.of(args[1]) : OnnxUNet.defaultPath(in.config());
        double tolerance = args.length > 2 ? Double.parseDouble(args[2]) : 1e-4;
        int threads = Runtime.getRuntime().availableProcessors();
        Parallel.setThreads(threads);

        UNet unet = in.unet(CpuBackend.INSTANCE);
        float[] ours;
        try (Scope s = Scope.open()) {
            ours = unet.forward(in.xTensor(), in.tTensor()).toArray();
        }
        float[] theirs;
        try (OnnxUNet net = new OnnxUNet(onnx, threads)) {
            theirs = net.forward(in.x(), in.xShape(), in.t());
        }
        if (theirs.length != ours.length) {
            System.out.println("FAIL " + args[0] + ": ONNX output has " + theirs.length + " values, ours " + ours.length);
            System.exit(1);
        }
        double maxAbs = 0, maxOurs = 0;
        for (int i = 0; i < ours.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs((double) ours[i] - theirs[i]));
            maxOurs = Math.max(maxOurs, Math.abs(ours[i]));
        }
        double rel = maxAbs / maxOurs;
        boolean ok = rel <= tolerance;
        System.out.printf("%s %s: %d values, max |ours - onnx| = %.3g, max |ours| = %.3g, relative %.3g (tolerance %.0e)%n",
                ok ? "OK" : "FAIL", args[0], ours.length, maxAbs, maxOurs, rel, tolerance);
        if (!ok) System.exit(1);
    }
}
