package org.timetuner4j.io;

import java.io.IOException;

/**
 * A safetensors file (or a request to write one) is malformed. The message is one line, starts
 * with the file name and says what is wrong, e.g. {@code model.safetensors: tensor 'conv_in.weight'
 * data_offsets [0, 100] do not match shape [32, 3, 3, 3] of F32 (3456 bytes)}.
 */
public class SafetensorsException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
