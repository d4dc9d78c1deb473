package org.timetuner4j.nn;

import org.timetuner4j.backend.Backend;

import java.util.ArrayList;
import java.util.List;

/** An indexed list of modules, named "0", "1", … like PyTorch's ModuleList. */
public final class ModuleList<M extends Module> extends Module {
    private final List<M> items = new ArrayList<>();

    public ModuleList(Backend backend) {
        super(backend);
    }

    public M add(M m) {
        child(Integer.toString(items.size()), m);
        items.add(m);
        return m;
    }

    public M get(int i) { return items.get(i); }

    public int size() { return items.size(); }
}
