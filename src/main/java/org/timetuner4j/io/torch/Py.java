package org.timetuner4j.io.torch;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Python values the safe unpickler builds. Scalars are plain Java objects: {@code null}
 * (None), {@link Boolean}, {@link Long} (int; {@link BigInteger} beyond 64 bits), {@link Double}
 * (float), {@link String} (str), {@code byte[]} (bytes). Containers are the classes below; torch
 * objects are {@link StorageRef} and {@link TorchTensor}.
 *
 * <p>Containers compare by identity and print only their type and size: a pickle can build
 * cyclic or very deeply nested structures (a list that contains itself, a million nested
 * lists), and nothing here ever recurses into them.
 */
public final class Py {
    private Py() {}

    /** An immutable Python tuple. */
    public static final class Tuple {
        private final List<Object> items;

        Tuple(List<Object> items) {
            this.items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        public int size() {
            return items.size();
        }

        public Object get(int i) {
            return items.get(i);
        }

        public List<Object> items() {
            return items;
        }

        /**
         * Element-wise: only used for dict keys, which the unpickler restricts to tuples of
         * scalars, so this never recurses more than one level.
         */
        @Override
        public boolean equals(Object o) {
            return o instanceof Tuple t && items.equals(t.items);
        }

        @Override
        public int hashCode() {
            return items.hashCode();
        }

        @Override
        public String toString() {
            return "tuple of " + items.size();
        }
    }

    /** A Python list. */
    public static final class PyList {
        final ArrayList<Object> items = new ArrayList<>();

        public int size() {
            return items.size();
        }

        public Object get(int i) {
            return items.get(i);
        }

        public List<Object> items() {
            return Collections.unmodifiableList(items);
        }

        @Override
        public String toString() {
            return "list of " + items.size();
        }
    }

    /** A Python dict, or a {@code collections.OrderedDict} ({@link #ordered()}); insertion-ordered. */
    public static final class Dict {
        final LinkedHashMap<Object, Object> map = new LinkedHashMap<>();
        private final boolean ordered;

        Dict(boolean ordered) {
            this.ordered = ordered;
        }

        public boolean ordered() {
            return ordered;
        }

        public int size() {
            return map.size();
        }

        public Object get(Object key) {
            return map.get(key);
        }

        public boolean containsKey(Object key) {
            return map.containsKey(key);
        }

        public Map<Object, Object> entries() {
            return Collections.unmodifiableMap(map);
        }

        @Override
        public String toString() {
            return (ordered ? "OrderedDict of " : "dict of ") + map.size();
        }
    }

    /** Python's name for the type of {@code v}, for messages (never the value itself). */
    public static String typeName(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean) return "bool";
        if (v instanceof Long || v instanceof BigInteger) return "int";
        if (v instanceof Double) return "float";
        if (v instanceof String) return "str";
        if (v instanceof byte[]) return "bytes";
        if (v instanceof Tuple) return "tuple";
        if (v instanceof PyList) return "list";
        if (v instanceof Dict d) return d.ordered() ? "OrderedDict" : "dict";
        if (v instanceof TorchTensor) return "tensor";
        if (v instanceof StorageRef) return "storage";
        if (v instanceof StorageType t) return "global " + t;
        if (v instanceof PickleGlobals.Builder b) return "global " + b.qualifiedName;
        return v.getClass().getSimpleName();
    }

    /** True for values allowed as dict keys: None, bool, int, float, str, and tuples of those. */
    static boolean isHashableScalar(Object v) {
        return v == null || v instanceof Boolean || v instanceof Long || v instanceof BigInteger
                || v instanceof Double || v instanceof String;
    }

    static boolean isAllowedKey(Object v) {
        if (isHashableScalar(v)) return true;
        if (v instanceof Tuple t) {
            for (Object o : t.items) if (!isHashableScalar(o)) return false;
            return true;
        }
        return false;
    }

    /** A short printable form of a string from a file: control characters replaced, length capped. */
    public static String clean(String s) {
        Objects.requireNonNull(s);
        StringBuilder b = new StringBuilder(Math.min(s.length(), 80));
        for (int i = 0; i < s.length() && b.length() < 80; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7F || Character.isSurrogate(c) ? '?' : c);
        }
        if (s.length() > 80) b.append("...");
        return b.toString();
    }
}
