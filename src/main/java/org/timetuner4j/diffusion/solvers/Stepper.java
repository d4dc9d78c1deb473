package org.timetuner4j.diffusion.solvers;

import org.timetuner4j.tensor.Tensor;

/**
 * One sampling run of a solver; multistep solvers keep their history here, owned by the stepper
 * and freed by {@link #close()} (the run's owner closes it after the last step).
 */
public interface Stepper extends AutoCloseable {
    /**
     * Advances x from t_i to t_{i+1}. {@code ratios} holds one scalar tensor per slot of the
     * interval: the network is evaluated at r·t_slot, everything else at nominal times.
     */
    Tensor step(int i, Tensor x, Tensor[] ratios);

    /** Frees what the run still holds; the stepper takes no further steps. */
    @Override default void close() {}
}
