package org.timetuner4j;

/**
 * A mistake of the person running the engine (a bad option value, a file that cannot be used, a
 * JVM started without what the engine needs): the command line shows its message as one
 * {@code error: …} line. Anything that is not a user error is treated as a bug of ours.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
