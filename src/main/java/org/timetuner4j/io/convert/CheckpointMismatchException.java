package org.timetuner4j.io.convert;

import java.util.List;

/**
 * A checkpoint's tensors do not match the UNet config: missing, unexpected or mis-shaped keys.
 * {@link #getMessage()} is one line (counts and the first few names); {@link #details()} lists
 * every problem, one line each, for printing above it.
 */
public class CheckpointMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> details;

    public CheckpointMismatchException(String message, List<String> details) {
        super(message);
        this.details = List.copyOf(details);
    }

    /** One line per problem, e.g. {@code missing     down.0.attn.0.q.weight [32, 32, 1, 1]}. */
    public List<String> details() {
        return details;
    }
}
