package org.timetuner4j.nn;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/**
 * A named trainable tensor of a module; its value can be replaced (loading weights). It reads as
 * zeros until set, and those zeros are only made when read: a model that is loaded never
 * allocates (and, on a fresh heap, never page-faults in) a second copy of its weights.
 */
public final class Parameter {
    private final Shape shape;
    private final Backend backend;
    private Tensor value;

    Parameter(Shape shape, Backend backend) {
        this.shape = shape;
        this.backend = backend;
    }

    public Shape shape() { return shape; }

    public Tensor value() {
        if (value == null) value = Scope.detach(backend.zeros(shape));
        return value;
    }

    /** Replaces the value; the shape must match. The parameter now owns {@code t}. */
    public void set(Tensor t) {
        if (!t.shape().equals(shape))
            throw new IllegalArgumentException("parameter of shape " + shape + " cannot take a tensor of shape " + t.shape());
        if (value != null && value != t) value.close();
        value = t;
    }

    /** Closes the value, if one was ever made. */
    void release() {
        if (value != null) value.close();
    }
}
