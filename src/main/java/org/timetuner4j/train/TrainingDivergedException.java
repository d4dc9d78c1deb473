package org.timetuner4j.train;

/** The loss or the gradient stopped being finite; the last checkpoint is kept. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
