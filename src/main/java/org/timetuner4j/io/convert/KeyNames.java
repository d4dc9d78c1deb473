package org.timetuner4j.io.convert;

import org.timetuner4j.io.torch.Py;

import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** Short, printable lists of checkpoint key names for messages. */
final class KeyNames {
    private KeyNames() {}

    /** The first four keys, quoted, e.g. {@code 'a', 'b', 'c', 'd', ...}. */
    static String first(Collection<String> keys) {
        List<String> l = keys.stream().limit(4).map(k -> "'" + Py.clean(k) + "'").collect(Collectors.toList());
        if (keys.size() > 4) l.add("...");
        return l.isEmpty() ? "none" : String.join(", ", l);
    }

    /** The first six keys, then how many more. */
    static String list(List<String> keys) {
        List<String> l = keys.stream().limit(6).map(Py::clean).collect(Collectors.toList());
        if (keys.size() > 6) l.add("... (" + (keys.size() - 6) + " more)");
        return String.join(", ", l);
    }
}
