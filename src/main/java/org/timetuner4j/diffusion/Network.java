package org.timetuner4j.diffusion;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Tensor;

/** A raw diffusion network: its output for x at model-input times tIn [B] and optional labels. */
public interface Network {
    Tensor forward(Tensor x, Tensor tIn, int[] labels);

    /** 0 for an unconditional network; otherwise labels 0…n−1 and the null label n. */
    int numClasses();

    int[] sampleShape();

    /** Where the network computes. */
    Backend backend();
}
