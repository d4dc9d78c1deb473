package org.timetuner4j.tensor;

import org.timetuner4j.backend.Backend;

/**
 * A contiguous float32 tensor living on one backend (a CPU {@code float[]} or a device
 * allocation). Freed deterministically: by the {@link Scope} that was open when it was created,
 * or by {@link #close()}. The autograd tape {@link #retain() retains} what it saves, so a scope
 * closing never frees a tensor the backward pass still needs.
 */
public final class Tensor implements AutoCloseable {
    private final Backend backend;
    private final Shape shape;
    private Object storage;
    private int refs = 1;
    private boolean requiresGrad;
    private Tensor grad;

    /** For backends: wraps storage they allocated. The tensor joins the current scope. */
    public Tensor(Backend backend, Shape shape, Object storage) {
        this.backend = backend;
        this.shape = shape;
        this.storage = storage;
        Scope.register(this);
    }

    public Backend backend() { return backend; }

    public Shape shape() { return shape; }

    public int numel() { return shape.numel(); }

    public int dim(int i) { return shape.dim(i); }

    /** The backend's storage handle; for backend code only. */
    public Object storage() {
        if (storage == null) throw new IllegalStateException("tensor " + shape + " used after it was freed");
        return storage;
    }

    public boolean isFreed() { return storage == null; }

    /** Copies the values to the host. */
    public float[] toArray() { return backend.toHost(this); }

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalStateException("item() of a tensor of shape " + shape);
        return toArray()[0];
    }

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks this tensor as one whose gradient the tape should compute; returns this. */
    public Tensor requiresGrad(boolean flag) {
        this.requiresGrad = flag;
        return this;
    }

    /** The accumulated gradient, or null when none was computed. */
    public Tensor grad() { return grad; }

    public void setGrad(Tensor g) {
        if (grad != null && grad != g) grad.close();
        this.grad = g;
    }

    public void zeroGrad() { setGrad(null); }

    /** Adds one owner; each owner calls {@link #close()} once. */
    public Tensor retain() {
        storage();
        refs++;
        return this;
    }

    @Override
    public void close() {
        if (storage == null) return;
        if (--refs == 0) {
            backend.free(this);
            storage = null;
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape + "@" + backend.name();
    }
}
