package org.timetuner4j.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The twin of {@link UNetForwardBenchmark} on ONNX Runtime: one forward of the same UNet (the
 * random weights of {@code RandomModel}, seed 1234, exported by tools/export_onnx.py to
 * bench/out/onnx/CONFIG.onnx), the same inputs, the same {@code model} and {@code threads}
 * parameters and JMH settings. The name deliberately does not contain "UNetForwardBenchmark", so
 * that pattern keeps selecting only ours (compare-unet-forward.sh, bench/gpu).
 * bench/compare-onnx.sh builds the model files and runs both.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g", "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages"})
public class OnnxForwardBenchmark {

    /** config name (a file in bench/configs, exported to bench/out/onnx) and batch size. */
    @Param({"cifar10:8", "cifar10:40", "digits:8", "digits:40"})
    public String model;

    @Param({"2"})
    public int threads;

    private OnnxUNet net;
    private float[] x, t;
    private long[] xShape;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        BenchInputs in = BenchInputs.of(model);
        net = new OnnxUNet(OnnxUNet.defaultPath(in.config()), threads);
        x = in.x();
        t = in.t();
        xShape = in.xShape();
        System.out.println("# onnxruntime " + OnnxUNet.version() + ", intra-op threads " + threads + ", inter-op 1, sequential, all optimizations");
    }

    @Benchmark
    public float forward() throws Exception {
        return net.forward(x, xShape, t)[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        net.close();
    }
}
