package org.timetuner4j.tuner;

/**
 * A tuning run produced a non-finite loss, gradient or ratio. The message names the step and
 * iteration and where the last good state was kept; it is reported as one line.
 */
public final class TuningDivergedException extends org.timetuner4j.UserError {
    private static final long serialVersionUID = 1L;

    public TuningDivergedException(String message) {
        super(message);
    }
}
