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
import org.openjdk.jmh.annotations.Warmup;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.data.ImageSet;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.train.DiffusionTrainer;
import org.timetuner4j.train.TrainSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One DDPM training step of `train` (forward, backward to every weight, gradient clipping,
 * Adam, EMA) on the shipped digits UNet without its class embedding (-p config), random images,
 * batch 64: the twin of bench/pytorch_train_step.py.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 10)
@Measurement(iterations = 4, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g", "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages"})
public class TrainStepBenchmark {
    /** config name, a file in bench/configs. */
    @Param({"digits"})
    public String config;

    @Param({"64"})
    public int batch;

    @Param({"2"})
    public int threads;

    private DiffusionTrainer trainer;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Parallel.setThreads(threads);
        UNetConfig cfg = UNetConfigJson.fromJson(Files.readString(Path.of("bench/configs", config + ".json")));
        int n = 4 * batch, d = cfg.inChannels() * cfg.resolution() * cfg.resolution();
        float[] x = new float[n * d];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        ImageSet data = new ImageSet(x, n, new int[] {cfg.inChannels(), cfg.resolution(), cfg.resolution()}, null);
        trainer = DiffusionTrainer.start(cfg, data, new TrainSettings(batch, 1e-3, 0, 1.0, 0.999, 0, 0), org.timetuner4j.backend.cpu.CpuBackend.INSTANCE);
    }

    @Benchmark
    public double step() {
        return trainer.trainStep();
    }
}
