package org.timetuner4j.nn;

import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

/** A named trainable tensor of a module; its value can be replaced (loading weights). */
public final class Parameter {
    private final Shape shape;
    private Tensor value;

    Parameter(Shape shape, Tensor initial) {
        this.shape = shape;
        this.value = initial;
    }

    public Shape shape() { return shape; }

    public Tensor value() { return value; }

    /** Replaces the value; the shape must match. The parameter now owns {@code t}. */
    public void set(Tensor t) {
        if (!t.shape().equals(shape))
            throw new IllegalArgumentException("parameter of shape " + shape + " cannot take a tensor of shape " + t.shape());
        if (value != null && value != t) value.close();
        value = t;
    }
}
