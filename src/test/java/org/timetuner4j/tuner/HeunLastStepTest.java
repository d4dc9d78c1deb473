package org.timetuner4j.tuner;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.timetuner4j.backend.Backend;
import org.timetuner4j.backend.cpu.CpuBackend;
import org.timetuner4j.data.GaussianData;
import org.timetuner4j.diffusion.GaussianModel;
import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSchedule;
import org.timetuner4j.diffusion.sampling.Sampler;
import org.timetuner4j.diffusion.Trajectory;
import org.timetuner4j.diffusion.solvers.SolverPlan;
import org.timetuner4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the README says of Heun's last step: it ends at 1/N (its last network call is at 1/N, not
 * at σ̃ = 0 as in EDM), and, as for every solver, the tuner leaves it at r = 1.
 */
class HeunLastStepTest {
    static final String SPEC = "gaussian:mean=0.5,std=0.3,shape=1x4x4";

    /** Records the times the network is called at. */
    static final class Recording implements NoisePredictor {
        final GaussianModel inner = GaussianModel.parse(SPEC);
        final List<Float> times = new ArrayList<>();

        @Override public Tensor predictNoise(Tensor x, Tensor t) {
            times.add(t.toArray()[0]);
            return inner.predictNoise(x, t);
        }

        @Override public int[] sampleShape() { return inner.sampleShape(); }

        @Override public Backend backend() { return inner.backend(); }

        @Override public NoiseSchedule schedule() { return inner.schedule(); }
    }

    @ParameterizedTest
    @ValueSource(ints = {6, 7})
    void theLastStepEndsAtTheFirstTimeOfTheSchedule(int nfe) {
        Recording model = new Recording();
        Sampler s = Sampler.builder(model).solver("heun").nfe(nfe).trajectory(Trajectory.EDM).build();
        s.sample(1, 1, 0, null, null);
        assertEquals(nfe, model.times.size());
        double first = 1.0 / 1000;  // DDPM's 1000 training steps
        SolverPlan plan = s.plan();
        assertEquals(first, plan.time(plan.intervals()), 1e-12, "the plan ends at 1/N");
        float last = model.times.get(nfe - 1);
        if (nfe % 2 == 0) assertEquals((float) first, last, "an even NFE's last call is the second slot, at 1/N");
        else assertEquals((float) plan.time(plan.intervals() - 1), last, "an odd NFE ends with an Euler step from t_{K-1}");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theTunerLeavesTheLastStepAtOne(boolean perCall) throws Exception {
        GaussianModel g = GaussianModel.parse(SPEC);
        TunerSettings settings = new TunerSettings(SPEC, null, SPEC, "heun", 0, 6, "edm", TunerObjective.Mode.PARALLEL, perCall,
                1e-2, 40, 64, 3);
        TimeTuner tuner = new TimeTuner(g, new GaussianData(g.data()), settings, CpuBackend.INSTANCE);
        double[][] r = tuner.run(null, false, null).ratios();
        int last = r.length - 1;
        assertEquals(1, r[last].length, "the last step keeps one ratio");
        assertEquals(1.0, r[last][0], 0.0, "the last step keeps r = 1");
        int moved = 0;
        for (int i = 0; i < last; i++) {
            assertEquals(perCall ? 2 : 1, r[i].length);
            for (double v : r[i]) if (Math.abs(v - 1) > 1e-3) moved++;
        }
        assertTrue(moved > 0, "the other steps are tuned");
    }
}
