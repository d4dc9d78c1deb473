package org.timetuner4j.train;

import org.timetuner4j.UserError;

/** The loss or the gradient stopped being finite; the last checkpoint is kept. A user error: the cure is a lower --lr. */
public final class TrainingDivergedException extends UserError {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
