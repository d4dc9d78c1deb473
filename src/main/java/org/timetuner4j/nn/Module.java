package org.timetuner4j.nn;

import org.timetuner4j.backend.Backend;
import org.timetuner4j.tensor.Shape;
import org.timetuner4j.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer or a container of layers. Parameters and children are registered under the names
 * the ddim checkpoints use, so {@link #namedParameters()} yields exactly the state-dict keys.
 */
public abstract class Module implements AutoCloseable {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    protected final Backend backend;
    private boolean training;

    protected Module(Backend backend) {
        this.backend = backend;
    }

    /** Registers a parameter that reads as zeros until weights are loaded or initialised. */
    protected Parameter parameter(String name, int... dims) {
        Parameter p = new Parameter(Shape.of(dims), backend);
        params.put(name, p);
        return p;
    }

    protected <M extends Module> M child(String name, M m) {
        children.put(name, m);
        return m;
    }

    /** Every parameter, keyed by its dotted path (e.g. {@code down.0.block.1.conv1.weight}). */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        params.forEach((n, p) -> out.put(prefix + n, p));
        children.forEach((n, c) -> c.collect(prefix + n + ".", out));
    }

    /** Marks every parameter as needing (or not) a gradient. */
    public void requiresGrad(boolean flag) {
        namedParameters().values().forEach(p -> p.value().requiresGrad(flag));
    }

    public void train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
    }

    public boolean isTraining() { return training; }

    public Backend backend() { return backend; }

    /** Frees every parameter's value; the module is not used afterwards. */
    @Override public void close() {
        namedParameters().values().forEach(Parameter::release);
    }

    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) n += p.shape().numel();
        return n;
    }
}
