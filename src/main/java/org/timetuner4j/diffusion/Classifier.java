package org.timetuner4j.diffusion;

import org.timetuner4j.tensor.Tensor;

/** A noisy-image classifier for classifier guidance: log p(y | x, t_in), one value per sample. */
public interface Classifier {
    Tensor logProbability(Tensor x, Tensor tIn, int[] labels);
}
