package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.DiscreteSchedule;
import org.timetuner4j.diffusion.ModelType;
import org.timetuner4j.diffusion.ModelWrapper;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.UNetNetwork;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.nn.UNet;
import org.timetuner4j.nn.UNetConfig;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.testing.Check;
import org.timetuner4j.tuner.TunerObjective;

/**
 * Whole sampling runs and tuner evaluations on CUDA: the same samples and dL/dr as the CPU
 * backend, device memory flat over a 1000-step loop, and no wait for the device inside a step.
 * A small random UNet (same Philox weights on both backends). Skips without a CUDA device.
 */
@Tag("gpu")
class CudaSamplingTest {
    private static final UNetConfig SMALL = new UNetConfig(32, 1, new int[] {1, 2}, 1, new int[] {4}, 0, 1, 8, true);

    @BeforeEach void needsCuda() {
        Assumptions.assumeTrue(CudaRuntime.available(), () -> "no CUDA here: " + CudaRuntime.reason());
    }

    private static ModelWrapper model(Backend be) {
        UNet unet = new UNet(be, SMALL);
        unet.initialize(5);
        unet.train(false);
        return new ModelWrapper(new UNetNetwork(unet), DiscreteSchedule.ddpm(), ModelType.NOISE);
    }

    @ParameterizedTest
    @CsvSource({"ddim, 0", "ddpm, 1", "dpm-solver-2, 0", "dpm-solver++2m, 0", "heun, 0"})
    void samplesAgreeWithTheCpuBackend(String solver, double eta) {
        float[] cpu = Sampler.builder(model(CpuBackend.INSTANCE)).solver(solver).eta(eta).nfe(10).build()
                .sample(6, 3, 11, null, null);
        float[] gpu = Sampler.builder(model(CudaBackend.instance())).solver(solver).eta(eta).nfe(10).build().sample(6, 3, 11, null, null);
        Check.maxRelative(solver + " 10 NFE samples, cuda vs cpu", gpu, cpu, 1e-3);
    }

    @ParameterizedTest
    @CsvSource({"ddim, uniform, 6, PARALLEL, 2, 1", "dpm-solver++2m, logsnr, 8, SEQUENTIAL, 3, 2"})
    void tunerLossAndGradientAgreeWithTheCpuBackend(String solverName, String traj, int nfe, TunerObjective.Mode mode,
                                                    int interval, int ratios) {
        double[] r = new double[ratios];
        for (int k = 0; k < ratios; k++) r[k] = (float) (1.03 - 0.04 * k);
        TunerObjective.Result[] res = new TunerObjective.Result[2];
        Backend[] backends = {CpuBackend.INSTANCE, CudaBackend.instance()};
        for (int b = 0; b < 2; b++) {
            Backend be = backends[b];
            ModelWrapper m = model(be);
            Solver solver = Solvers.byName(solverName, 0);
            SolverPlan plan = solver.plan(nfe, Trajectory.of(traj), m.schedule());
            double[][] previous = new double[plan.intervals()][];
            for (int j = 0; j < previous.length; j++) previous[j] = new double[] {(float) (1 + 0.02 * Math.cos(j))};
            try (Scope scope = Scope.open()) {
                Tensor x0 = be.affine(be.randn(Shape.of(3, 1, 8, 8), 8, 0), 0.5f, 0f);
                Tensor z = be.randn(Shape.of(3, 1, 8, 8), 9, 0);
                res[b] = new TunerObjective(m, solver, plan, mode, be).evaluate(interval, x0, z, r, previous, new NoiseSource(1), 0);
            }
        }
        System.out.printf("%s %s: loss cpu %.7g cuda %.7g%n", solverName, mode, res[0].loss(), res[1].loss());
        assertEquals(res[0].loss(), res[1].loss(), 1e-4 * Math.abs(res[0].loss()), "loss");
        for (int k = 0; k < ratios; k++)
            assertEquals(res[0].gradient()[k], res[1].gradient()[k], 1e-3 * Math.max(1, Math.abs(res[0].gradient()[k])), "dL/dr_" + k);
    }

    /** The caching allocator serves a 1000-step loop from what a 10-step loop already allocated. */
    @Test void deviceMemoryIsFlatOverAThousandStepLoop() {
        CudaBackend be = CudaBackend.instance();
        ModelWrapper m = model(be);
        NoiseSource noise = new NoiseSource(3);
        try (Scope scope = Scope.open()) {
            Tensor xT = noise.normal(be, Shape.of(4, 1, 8, 8), 0, 0);
            Sampler.builder(m).solver("ddim").nfe(10).build().sampleBatch(xT, noise, 0, null, 0).close();
            CachingAllocator.Stats warm = be.memoryStats();
            Sampler.builder(m).solver("ddim").nfe(1000).build().sampleBatch(xT, noise, 0, null, 0).close();
            be.synchronize();
            CachingAllocator.Stats after = be.memoryStats();
            System.out.println("allocator after 10 steps " + warm + ", after 1000 more " + after);
            assertEquals(warm.rawAllocations(), after.rawAllocations(), "new device allocations during the 1000-step loop");
            assertEquals(warm.peak(), after.peak(), "peak device memory grew");
            assertEquals(warm.inUse(), after.inUse(), "memory in use after the loop");
        }
    }

    /** Steps only queue work: the host waits for the device once, when the samples are read. */
    @Test void noHostWaitInsideSamplingSteps() {
        CudaBackend be = CudaBackend.instance();
        ModelWrapper m = model(be);
        for (String solver : new String[] {"ddim", "ddpm", "dpm-solver-2", "dpm-solver++2m", "heun"}) {
            NoiseSource noise = new NoiseSource(4);
            try (Scope scope = Scope.open()) {
                Tensor xT = noise.normal(be, Shape.of(2, 1, 8, 8), 0, 0);
                long before = be.hostDownloads();
                Tensor x = Sampler.builder(m).solver(solver).eta(solver.equals("ddpm") ? 1 : 0).nfe(20).build()
                        .sampleBatch(xT, noise, 0, null, 0);
                assertEquals(before, be.hostDownloads(), solver + ": device-to-host copies during the steps");
                assertTrue(Float.isFinite(x.toArray()[0]));
                assertEquals(before + 1, be.hostDownloads());
            }
        }
    }
}
