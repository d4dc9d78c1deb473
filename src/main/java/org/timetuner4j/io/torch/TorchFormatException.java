package org.timetuner4j.io.torch;

import java.io.IOException;

/**
 * A PyTorch checkpoint is malformed, truncated, or holds something this reader does not
 * convert. The message is one line and starts with the file name, e.g.
 * {@code model.pth: data.pkl offset 1234: storage '3' declares 65536 elements (262144 bytes) but
 * its archive entry holds 1000 bytes}.
 */
public class TorchFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public TorchFormatException(String message) {
        super(message);
    }

    public TorchFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
