package org.timetuner4j.io.torch;

/**
 * A checkpoint's pickle asks for something the safe unpickler refuses to do: a global outside
 * its fixed table (e.g. {@code os.system}), or an opcode that would instantiate a class by name
 * (INST, OBJ, NEWOBJ, ...). Nothing in the file was executed; the message names what was refused.
 */
public class UnsafePickleException extends TorchFormatException {
    private static final long serialVersionUID = 1L;

    public UnsafePickleException(String message) {
        super(message);
    }
}
