package org.timetuner4j.autograd;

import org.timetuner4j.tensor.Scope;
import org.timetuner4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The autograd tape. Off by default: ops record nothing unless a tape is open on the thread.
 * While open, each op whose inputs require a gradient appends a node holding its backward;
 * {@link #backward} walks the nodes in reverse and accumulates gradients into the leaves
 * (tensors marked {@code requiresGrad} that no recorded op produced).
 * <pre>try (Tape tape = Tape.record()) { Tensor loss = ...; tape.backward(loss); }</pre>
 */
public final class Tape implements AutoCloseable {
    private static final ThreadLocal<Tape> CURRENT = new ThreadLocal<>();

    /**
     * Local gradient of one op: given the gradient of its output, the gradients of its inputs
     * (null where an input needs none). Each returned tensor is a new reference owned by the
     * caller (return {@code g.retain()} to pass the incoming gradient through unchanged).
     */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOut);
    }

    private record Node(Tensor output, Tensor[] inputs, Tensor[] saved, Backward backward) {}

    private final Tape outer;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<Tensor, Boolean> produced = new IdentityHashMap<>();
    private boolean closed;

    private Tape(Tape outer) {
        this.outer = outer;
    }

    /** Opens a tape on this thread. */
    public static Tape record() {
        Tape t = new Tape(CURRENT.get());
        CURRENT.set(t);
        return t;
    }

    public static boolean isRecording() {
        return CURRENT.get() != null;
    }

    /**
     * Called by ops after computing {@code output}: when a tape is open and some input requires
     * a gradient, records the node (retaining inputs and {@code saved}) and marks the output as
     * requiring a gradient.
     */
    public static void record(Tensor output, Backward backward, Tensor[] inputs, Tensor... saved) {
        Tape tape = CURRENT.get();
        if (tape == null) return;
        boolean any = false;
        for (Tensor in : inputs) any |= in != null && in.requiresGrad();
        if (!any) return;
        for (Tensor in : inputs) if (in != null) in.retain();
        for (Tensor s : saved) if (s != null) s.retain();
        output.requiresGrad(true);
        tape.nodes.add(new Node(output, inputs.clone(), saved.clone(), backward));
        tape.produced.put(output, Boolean.TRUE);
    }

    public int size() { return nodes.size(); }

    /** Back-propagates from a scalar {@code loss} (seed gradient 1). */
    public void backward(Tensor loss) {
        if (loss.numel() != 1) throw new IllegalArgumentException("backward(loss) needs a one-element loss, got " + loss.shape());
        backward(loss, loss.backend().fromHost(new float[] {1f}, loss.shape()));
    }

    /**
     * Vector-Jacobian product: accumulates into each leaf the gradient of Σ(output ⊙ gradOutput).
     */
    public void backward(Tensor output, Tensor gradOutput) {
        if (!output.shape().equals(gradOutput.shape()))
            throw new IllegalArgumentException("gradient " + gradOutput.shape() + " does not match output " + output.shape());
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(output, Scope.detach(gradOutput.backend().copy(gradOutput)));
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node node = nodes.get(i);
            Tensor g = grads.remove(node.output());
            if (g == null) continue;
            Tensor[] inGrads;
            try (Scope scope = Scope.open()) {
                inGrads = node.backward().apply(g);
                for (Tensor ig : inGrads) if (ig != null) Scope.detach(ig);
            }
            g.close();
            for (int k = 0; k < node.inputs().length; k++) {
                Tensor in = node.inputs()[k];
                Tensor ig = k < inGrads.length ? inGrads[k] : null;
                if (ig == null) continue;
                if (in == null || !in.requiresGrad()) { ig.close(); continue; }
                accumulate(grads, in, ig);
            }
        }
        for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
            Tensor leaf = e.getKey();
            Tensor g = e.getValue();
            if (produced.containsKey(leaf) || !leaf.requiresGrad()) { g.close(); continue; }
            if (leaf.grad() == null) {
                leaf.setGrad(g);
            } else {
                leaf.backend().addInPlace(leaf.grad(), g);
                g.close();
            }
        }
    }

    private static void accumulate(Map<Tensor, Tensor> grads, Tensor in, Tensor ig) {
        if (!ig.shape().equals(in.shape()))
            throw new IllegalStateException("gradient shape " + ig.shape() + " for input " + in.shape());
        Tensor prev = grads.get(in);
        if (prev == null) {
            grads.put(in, ig);
        } else {
            Tensor sum = Scope.detach(prev.backend().add(prev, ig));
            prev.close();
            ig.close();
            grads.put(in, sum);
        }
    }

    /** Releases everything the tape retained and stops recording on this thread. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Node n : nodes) {
            for (Tensor in : n.inputs()) if (in != null) in.close();
            for (Tensor s : n.saved()) if (s != null) s.close();
        }
        nodes.clear();
        produced.clear();
        if (CURRENT.get() == this) {
            if (outer == null) CURRENT.remove(); else CURRENT.set(outer);
        }
    }
}
