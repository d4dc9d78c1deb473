package org.timetuner4j.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Owns the tensors created while it is the innermost open scope of its thread and frees them
 * when closed, so a long loop of ops holds constant memory:
 * <pre>try (Scope s = Scope.open()) { ...; return s.keep(result); }</pre>
 * {@link #keep} hands a tensor to the enclosing scope (or to nobody, when there is none).
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    private Scope() {}

    public static Scope open() {
        Scope s = new Scope();
        STACK.get().push(s);
        return s;
    }

    static void register(Tensor t) {
        Scope s = STACK.get().peek();
        if (s != null) s.owned.add(t);
    }

    /**
     * Moves {@code t} out of this scope into the enclosing one and returns it. A tensor this
     * scope does not own is an error: keeping it would silently leave it to another owner.
     */
    public Tensor keep(Tensor t) {
        if (!owned.remove(t)) throw new IllegalStateException("scope.keep of " + t + ", which this scope does not own");
        Deque<Scope> stack = STACK.get();
        Scope parent = null;
        boolean seenSelf = false;
        for (Scope s : stack) {  // iteration goes from innermost outwards
            if (seenSelf) { parent = s; break; }
            if (s == this) seenSelf = true;
        }
        if (parent != null) parent.owned.add(t);
        return t;
    }

    /** Takes {@code t} away from every open scope: the caller now owns it and must close it. */
    public static Tensor detach(Tensor t) {
        for (Scope s : STACK.get()) {
            if (s.owned.remove(t)) break;
        }
        return t;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Deque<Scope> stack = STACK.get();
        if (stack.peek() != this) throw new IllegalStateException("scopes must be closed innermost first");
        stack.pop();
        for (int i = owned.size() - 1; i >= 0; i--) owned.get(i).close();
        owned.clear();
    }
}
