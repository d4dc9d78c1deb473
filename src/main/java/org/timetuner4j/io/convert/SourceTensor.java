package org.timetuner4j.io.convert;

import java.io.IOException;

/** One tensor as found in the input: its name there, dtype and shape; its values are read on demand. */
record SourceTensor(String name, String dtype, int[] shape, Reader reader) {
    @FunctionalInterface
    interface Reader {
        float[] read() throws IOException;
    }

    /** The same tensor under another name. */
    SourceTensor renamed(String newName) {
        return new SourceTensor(newName, dtype, shape, reader);
    }

    /** The same tensor with another shape (same values). */
    SourceTensor reshaped(int[] newShape) {
        return new SourceTensor(name, dtype, newShape, reader);
    }
}
