package org.timetuner4j.io.torch;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The only globals a pickle may name (tensor and storage builders, OrderedDict, torch.Size), a
 * refusal naming any other, and what REDUCE, SETITEM and APPEND may do with them.
 */
final class PickleGlobals {
    private PickleGlobals() {}

    /** The callables a pickle may name. */
    enum Builder {
        ORDERED_DICT("collections.OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
        REBUILD_TENSOR("torch._utils._rebuild_tensor"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils._rebuild_parameter_with_state"),
        TORCH_SIZE("torch.Size");

        final String qualifiedName;

        Builder(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }
    }

    private static final Map<String, Object> GLOBALS = new HashMap<>();

    static {
        for (Builder b : Builder.values()) GLOBALS.put(b.qualifiedName, b);
        for (StorageType t : StorageType.values()) GLOBALS.put("torch." + t.pickleName, t);
    }

    /** Storage classes that exist but are not converted (complex, quantized, untyped). */
    private static final List<String> UNSUPPORTED_STORAGES = List.of(
            "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage", "QUInt8Storage", "QInt32Storage",
            "QUInt4x2Storage", "QUInt2x4Storage", "UntypedStorage");

    static Object resolve(PickleInput in, String module, String name) throws TorchFormatException {
        String q = module + "." + name;
        Object g = GLOBALS.get(q);
        if (g != null) return g;
        if (module.equals("torch") && UNSUPPORTED_STORAGES.contains(name)) {
            throw in.fail("storage type torch." + name + " is not supported (complex, quantized and untyped storages are not converted)");
        }
        if (q.equals("torch._utils._rebuild_tensor_v3")) {
            throw in.fail("torch._utils._rebuild_tensor_v3 (a tensor with an explicit dtype, e.g. float8) is not supported");
        }
        String hint;
        if (module.startsWith("torch.nn.") || module.equals("torch.nn")) {
            hint = ": this file pickles a whole module, not a state dict (save model.state_dict() instead)";
        } else if (module.equals("__main__") || module.startsWith("models") || module.startsWith("model")) {
            hint = ": this file pickles an object of a class from the training code (save model.state_dict() instead)";
        } else if (module.startsWith("numpy")) {
            hint = ": numpy objects are not accepted (save plain Python numbers or tensors)";
        } else if (module.startsWith("torch")) {
            hint = ": only tensors, typed storages, torch.Size, OrderedDict and plain containers are accepted";
        } else {
            hint = ": the unpickler only builds tensors, storages, OrderedDict and plain containers, and never runs code";
        }
        throw in.unsafe("refused pickle global " + qualified(module, name) + hint);
    }

    static Object reduce(PickleInput in, Object callable, Object argsObj) throws TorchFormatException {
        if (!(callable instanceof Builder b)) {
            throw in.unsafe("refused REDUCE of " + describeCallable(callable) + " (only tensor, OrderedDict and torch.Size builders may be called)");
        }
        if (!(argsObj instanceof Py.Tuple args)) {
            throw in.fail("REDUCE arguments of " + b.qualifiedName + " are a " + Py.typeName(argsObj) + ", not a tuple");
        }
        switch (b) {
            case ORDERED_DICT -> {
                Py.Dict d = new Py.Dict(true);
                if (args.size() == 1 && args.get(0) instanceof Py.PyList pairs) {
                    for (Object p : pairs.items) {
                        if (!(p instanceof Py.Tuple kv) || kv.size() != 2) throw in.fail("OrderedDict items must be pairs");
                        setItem(in, d, kv.get(0), kv.get(1));
                    }
                } else if (args.size() != 0) {
                    throw in.fail("OrderedDict called with " + args.size() + " arguments");
                }
                return d;
            }
            case TORCH_SIZE -> {
                if (args.size() != 1 || !(args.get(0) instanceof Py.Tuple t)) throw in.fail("torch.Size needs one tuple argument");
                return t;
            }
            case REBUILD_TENSOR_V2, REBUILD_TENSOR -> {
                int expected = b == Builder.REBUILD_TENSOR ? 4 : 6;
                if (args.size() != expected && !(b == Builder.REBUILD_TENSOR_V2 && args.size() == 7)) {
                    throw in.fail(b.qualifiedName + " called with " + args.size() + " arguments");
                }
                if (!(args.get(0) instanceof StorageRef storage)) {
                    throw in.fail(b.qualifiedName + ": first argument is a " + Py.typeName(args.get(0)) + ", not a storage");
                }
                long offset = integer(in, args.get(1), "storage offset");
                long[] size = intTuple(in, args.get(2), "size");
                long[] stride = intTuple(in, args.get(3), "stride");
                if (expected == 6) {
                    if (!(args.get(4) instanceof Boolean)) throw in.fail("tensor requires_grad is a " + Py.typeName(args.get(4)));
                    if (!(args.get(5) instanceof Py.Dict)) throw in.fail("tensor backward_hooks is a " + Py.typeName(args.get(5)));
                    if (args.size() == 7 && args.get(6) != null && !(args.get(6) instanceof Py.Dict)) {
                        throw in.fail("tensor metadata is a " + Py.typeName(args.get(6)));
                    }
                }
                return TorchTensor.of(storage, offset, size, stride, in.where());
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                int expected = b == Builder.REBUILD_PARAMETER ? 3 : 4;
                if (args.size() != expected) throw in.fail(b.qualifiedName + " called with " + args.size() + " arguments");
                if (!(args.get(0) instanceof TorchTensor t)) throw in.fail(b.qualifiedName + ": data is a " + Py.typeName(args.get(0)));
                return t;
            }
            default -> throw new AssertionError(b);
        }
    }

    private static long integer(PickleInput in, Object v, String what) throws TorchFormatException {
        if (v instanceof Long l) return l;
        if (v instanceof BigInteger) throw in.fail("tensor " + what + " is too large");
        throw in.fail("tensor " + what + " is a " + Py.typeName(v) + ", not an int");
    }

    private static long[] intTuple(PickleInput in, Object v, String what) throws TorchFormatException {
        if (!(v instanceof Py.Tuple t)) throw in.fail("tensor " + what + " is a " + Py.typeName(v) + ", not a tuple");
        if (t.size() > TorchTensor.MAX_DIMS) {
            throw in.fail("tensor " + what + " has " + t.size() + " dimensions (at most " + TorchTensor.MAX_DIMS + " accepted)");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) out[i] = integer(in, t.get(i), what);
        return out;
    }

    static void setItem(PickleInput in, Object target, Object key, Object value) throws TorchFormatException {
        if (!(target instanceof Py.Dict d)) throw in.unsafe("refused SETITEM on a " + Py.typeName(target) + " (only dicts take items)");
        if (!Py.isAllowedKey(key)) throw in.fail("dict key of type " + Py.typeName(key) + " is not supported");
        d.map.put(key, value);
    }

    static Py.PyList list(PickleInput in, Object target, String op) throws TorchFormatException {
        if (!(target instanceof Py.PyList l)) throw in.unsafe("refused " + op + " on a " + Py.typeName(target) + " (only lists take appends)");
        return l;
    }

    static String describeCallable(Object v) {
        if (v instanceof Builder b) return b.qualifiedName;
        if (v instanceof StorageType t) return t.toString();
        return "a " + Py.typeName(v);
    }

    static String qualified(String module, String name) {
        return Py.clean(module) + "." + Py.clean(name);
    }
}
