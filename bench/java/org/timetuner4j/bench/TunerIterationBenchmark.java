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
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.Parallel;
import org.timetuner4j.diffusion.DiscreteSchedule;
import org.timetuner4j.diffusion.ModelType;
import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.UNetNetwork;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.io.UNetConfigJson;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.tuner.TunerObjective;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One TimeTuner iteration (parallel mode: two UNet forwards, one step under the tape, backward to
 * r through both network calls), DDIM, the MNIST-sized UNet (-p config=cifar10 for DDPM's CIFAR-10 UNet), batch 32 — the cost of one of the
 * `iters` batches per interval. {@code -p device=cuda} runs it on the CUDA backend (the
 * iteration ends with a stream synchronize; its gradient is read back to the host anyway).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 8, time = 10)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g", "-XX:+UseParallelGC", "-XX:+UseTransparentHugePages"})
public class TunerIterationBenchmark {
    @Param({"ddim", "dpm-solver-2"})
    public String solver;

    /** config name, a file in bench/configs. */
    @Param({"mnist"})
    public String config;

    @Param({"32"})
    public int batch;

    @Param({"2"})
    public int threads;

    /** cpu or cuda; setup fails with the one-line reason when cuda cannot run here. */
    @Param({"cpu"})
    public String device;

    private BenchDevice dev;
    private Backend be;
    private TunerObjective objective;
    private Tensor x0, z;
    private double[][] previous;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Parallel.setThreads(threads);
        dev = BenchDevice.of(device);
        be = dev.backend();
        UNetConfig cfg = UNetConfigJson.fromJson(Files.readString(Path.of("bench/configs", config + ".json")));
        UNet unet = new UNet(be, cfg);
        unet.initialize(1);
        unet.train(false);
        ModelWrapper model = new ModelWrapper(new UNetNetwork(unet), DiscreteSchedule.ddpm(), ModelType.NOISE);
        Solver s = Solvers.byName(solver, 0);
        SolverPlan plan = s.plan(10, solver.equals("ddim") ? Trajectory.OFFICIAL : Trajectory.LOGSNR, model.schedule());
        objective = new TunerObjective(model, s, plan, TunerObjective.Mode.PARALLEL, be);
        x0 = be.randn(Shape.of(batch, cfg.inChannels(), cfg.resolution(), cfg.resolution()), 1, 0);
        z = be.randn(x0.shape(), 2, 0);
        previous = new double[plan.intervals()][];
        for (int i = 0; i < previous.length; i++) previous[i] = new double[] {1.0};
        dev.sync();
        System.out.println("# " + dev.describe());
    }

    @Benchmark
    public double iteration() {
        double g = objective.evaluate(1, x0, z, new double[] {1.02}, previous, new NoiseSource(0), 0).gradient()[0];
        dev.sync();
        return g;
    }
}
