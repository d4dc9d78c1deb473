package org.timetuner4j.testing;

import org.junit.jupiter.api.function.Executable;

/**
 * One row of an op family's table (see {@code org.timetuner4j.ops}): a name that says the
 * shapes and parameters, and the check it runs (forward against a reference, a fast path
 * against the plain one, an argument check).
 */
public record OpCase(String name, Executable check) {
    public static OpCase of(String name, Executable check) { return new OpCase(name, check); }

    public void run() throws Throwable { check.execute(); }

    @Override public String toString() { return name; }
}
