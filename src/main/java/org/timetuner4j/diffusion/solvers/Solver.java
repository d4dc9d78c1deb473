package org.timetuner4j.diffusion.solvers;

import org.timetuner4j.diffusion.NoisePredictor;
import org.timetuner4j.diffusion.NoiseSource;
import org.timetuner4j.diffusion.Trajectory;

/** A sampler of the probability-flow ODE (or its SDE), accepting a tuned time per network call. */
public interface Solver {
    String name();

    /** How --nfe maps to steps, for help texts. */
    String nfeRule();

    SolverPlan plan(int nfe, Trajectory trajectory, org.timetuner4j.diffusion.NoiseSchedule schedule);

    /**
     * A run over {@code plan}. {@code noise} and {@code firstSample} pick the noise of stochastic
     * solvers (sample k of the batch is sample firstSample + k of the run).
     */
    Stepper stepper(NoisePredictor model, SolverPlan plan, NoiseSource noise, long firstSample);

    /** Whether a step reuses network outputs of earlier steps (multistep methods). */
    default boolean isMultistep() { return false; }
}
