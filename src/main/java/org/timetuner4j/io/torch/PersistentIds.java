package org.timetuner4j.io.torch;

import java.util.regex.Pattern;

/** Checks on the parts of a storage's persistent id (shared by both formats). */
final class PersistentIds {
    private PersistentIds() {}

    private static final Pattern STORAGE_KEY = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

    static TorchFormatException badPid(Py.Tuple pid, String where, int n) {
        return new TorchFormatException(where + "persistent id is not ('storage', type, key, location, numel"
                + (n == 6 ? ", view" : "") + "): a tuple of " + pid.size()
                + (pid.size() > 0 && pid.get(0) instanceof String s ? " starting with '" + Py.clean(s) + "'" : ""));
    }

    static StorageType storageType(Object v, String where) throws TorchFormatException {
        if (v instanceof StorageType t) return t;
        throw new TorchFormatException(where + "storage type is a " + Py.typeName(v) + ", not a torch storage class");
    }

    static String storageKey(Object v, String where) throws TorchFormatException {
        if (!(v instanceof String key)) throw new TorchFormatException(where + "storage key is a " + Py.typeName(v));
        if (!STORAGE_KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            throw new TorchFormatException(where + "invalid storage key '" + Py.clean(key) + "'");
        }
        return key;
    }

    static long numel(Object v, String where) throws TorchFormatException {
        if (!(v instanceof Long n) || n < 0) {
            throw new TorchFormatException(where + "storage size is " + (v instanceof Long ? v : "a " + Py.typeName(v))
                    + ", not a non-negative int");
        }
        return n;
    }

    static long byteSize(long numel, StorageType type, String where) throws TorchFormatException {
        if (numel > TorchCheckpoint.MAX_STORAGE_BYTES / type.elementSize) {
            throw new TorchFormatException(where + "storage of " + numel + " elements of " + type + " is larger than "
                    + TorchCheckpoint.MAX_STORAGE_BYTES + " bytes; not supported");
        }
        return numel * type.elementSize;
    }

    static StorageRef same(StorageRef known, StorageType type, long numel, String where) throws TorchFormatException {
        if (known.type() != type || known.numel() != numel) {
            throw new TorchFormatException(where + "storage '" + known.key() + "' is declared twice, as " + known + " and as "
                    + type + " of " + numel + " elements");
        }
        return known;
    }
}
