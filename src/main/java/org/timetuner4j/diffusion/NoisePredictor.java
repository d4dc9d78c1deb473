package org.timetuner4j.diffusion;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Tensor;

/**
 * ε_θ(x, t): the noise prediction at continuous times t [B] (one per sample). The time may
 * carry a gradient (a tuned time τ = r·t); everything is written with differentiable ops.
 */
public interface NoisePredictor {
    Tensor predictNoise(Tensor x, Tensor t);

    /** The shape of one sample [C, H, W]. */
    int[] sampleShape();

    NoiseSchedule schedule();

    /** Where the model computes; a sampler starts its noise there. */
    Backend backend();
}
