package org.timetuner4j.diffusion;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.timetuner4j.backend.MemoryStats;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.solvers.Solver;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.diffusion.solvers.Solvers;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;
import org.timetuner4j.tuner.TunerObjective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tensor a sampling run or a tuner iteration creates on the CPU backend is freed by its
 * end, for every solver, and a long run holds a constant number of tensors.
 */
class TensorLifetimeTest {
    static final CpuBackend BE = CpuBackend.INSTANCE;
    static final GaussianModel MODEL = GaussianModel.parse("gaussian:mean=0.2,std=0.5,shape=1x4x4");

    private static long[] live() {
        MemoryStats m = BE.memory();
        return new long[] {m.liveTensors(), m.liveBytes()};
    }

    @ParameterizedTest
    @ValueSource(strings = {"ddim", "ddpm", "dpm-solver-2", "dpm-solver++2m", "heun"})
    void aSamplingRunFreesEverythingItCreated(String solver) {
        long[] before = live();
        Sampler s = Sampler.builder(MODEL).solver(solver).nfe(12).build();
        float[] out = s.sample(5, 2, 3, null, null);
        assertEquals(5 * 16, out.length);
        assertEquals(before[0], live()[0], solver + ": live tensors after sampling");
        assertEquals(before[1], live()[1], solver + ": live bytes after sampling");
    }

    @ParameterizedTest
    @CsvSource({"ddim, PARALLEL", "ddim, SEQUENTIAL", "ddpm, PARALLEL", "ddpm, SEQUENTIAL",
            "dpm-solver-2, PARALLEL", "dpm-solver-2, SEQUENTIAL", "dpm-solver++2m, PARALLEL",
            "dpm-solver++2m, SEQUENTIAL", "heun, PARALLEL", "heun, SEQUENTIAL"})
    void aTunerIterationFreesEverythingItCreated(String name, TunerObjective.Mode mode) {
        Solver solver = Solvers.byName(name, name.equals("ddpm") ? 1 : 0);
        SolverPlan plan = solver.plan(8, Sampler.defaultTrajectory(name), MODEL.schedule());
        TunerObjective objective = new TunerObjective(MODEL, solver, plan, mode, BE);
        double[][] previous = new double[plan.intervals()][];
        for (int j = 0; j < previous.length; j++) previous[j] = new double[] {1.02};
        Shape shape = Shape.of(3, 1, 4, 4);
        NoiseSource noise = new NoiseSource(5);
        try (Tensor x0 = noise.normal(BE, shape, 0, 1); Tensor z = noise.normal(BE, shape, 0, 2)) {
            long[] before = live();
            for (int i = 0; i < plan.intervals() - 1; i++) {
                TunerObjective.Result r = objective.evaluate(i, x0, z, new double[] {0.97}, previous, noise, 0);
                assertTrue(Double.isFinite(r.loss()));
                assertEquals(before[0], live()[0], name + " " + mode + ": live tensors after the iteration of interval " + i);
                assertEquals(before[1], live()[1], name + " " + mode + ": live bytes after the iteration of interval " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ddim", "ddpm", "dpm-solver-2", "dpm-solver++2m", "heun"})
    void aThousandStepRunHoldsAConstantNumberOfTensors(String solver) {
        Trajectory uniform = Trajectory.UNIFORM;
        int nfe = solver.equals("dpm-solver-2") || solver.equals("heun") ? 2000 : 1000;
        Sampler s = Sampler.builder(MODEL).solver(solver).nfe(nfe).trajectory(uniform).build();
        assertEquals(1000, s.plan().intervals());
        long[] before = live();
        long[][] atStep = new long[1000][];
        s.sample(2, 2, 1, null, (batch, step) -> atStep[step] = live());
        for (int i = 1; i < 1000; i++)
            assertEquals(atStep[0][0], atStep[i][0], solver + ": live tensors after step " + i + " (after step 0: " + atStep[0][0] + ")");
        assertTrue(atStep[0][0] - before[0] <= 4, solver + ": " + (atStep[0][0] - before[0]) + " tensors held during the run");
        assertEquals(before[0], live()[0], solver + ": live tensors after the run");
    }
}
