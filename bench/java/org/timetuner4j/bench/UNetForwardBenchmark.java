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
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One UNet forward = one NFE, in inference mode (no tape), random weights (PyTorch's default
 * init distribution). Run from the repository root: the configs are read from bench/configs.
 * bench/compare-unet-forward.sh runs this and the PyTorch twin with the same threads;
 * bench/gpu/session runs it with {@code -p device=cuda} against PyTorch on CUDA. On CUDA the
 * measured op ends with a stream synchronize, so its time is the device's work, not the
 * queueing; {@code threads} then only sizes the host-side pool.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g", "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages"})
public class UNetForwardBenchmark {

    /** config name (a file in bench/configs) and batch size. */
    @Param({"cifar10:8", "mnist:64"})
    public String model;

    @Param({"2"})
    public int threads;

    /** cpu or cuda; setup fails with the one-line reason when cuda cannot run here. */
    @Param({"cpu"})
    public String device;

    private BenchDevice dev;
    private Backend be;
    private UNet unet;
    private Tensor x, t;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Parallel.setThreads(threads);
        dev = BenchDevice.of(device);
        be = dev.backend();
        String[] parts = model.split(":");
        UNetConfig cfg = UNetConfigJson.fromJson(Files.readString(Path.of("bench/configs", parts[0] + ".json")));
        int batch = Integer.parseInt(parts[1]);
        unet = new UNet(be, cfg);
        unet.initialize(1234);
        unet.train(false);
        x = be.randn(Shape.of(batch, cfg.inChannels(), cfg.resolution(), cfg.resolution()), 1, 0);
        float[] tv = new float[batch];
        for (int i = 0; i < batch; i++) tv[i] = (i * 397) % 1000;
        t = be.fromHost(tv, Shape.of(batch));
        dev.sync();
        System.out.println("# " + dev.describe());
    }

    @Benchmark
    public float forward() {
        try (org.timetuner4j.tensor.Scope s = org.timetuner4j.tensor.Scope.open()) {
            Tensor eps = unet.forward(x, t);
            if (dev.isCuda()) {
                dev.sync();
                return eps.shape().dim(0);
            }
            return ((float[]) eps.storage())[0];
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        x.close();
        t.close();
    }
}
