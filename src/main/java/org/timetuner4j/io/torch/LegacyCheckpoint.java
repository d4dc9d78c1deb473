package org.timetuner4j.io.torch;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Opens a legacy (pre-1.6) torch.save file: magic, protocol and sys-info pickles, the object, then the storages. */
final class LegacyCheckpoint {
    private LegacyCheckpoint() {}

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    static TorchCheckpoint open(Path path, String file, long fileSize) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        boolean ok = false;
        try {
            // The five pickles sit at the start of the file; read a prefix, and more only if they run past it.
            int headLen = (int) Math.min(fileSize, 1 << 20);
            while (true) {
                byte[] head = new byte[headLen];
                TorchCheckpoint.readFully(ch, ByteBuffer.wrap(head), 0, file);
                try {
                    TorchCheckpoint c = legacyFromHead(ch, head, file, fileSize);
                    ok = true;
                    return c;
                } catch (LegacyHeadTooShort e) {
                    if (headLen >= Math.min(fileSize, TorchCheckpoint.MAX_PICKLE_BYTES)) {
                        if (fileSize > TorchCheckpoint.MAX_PICKLE_BYTES) {
                            throw new TorchFormatException(file + ": the legacy pickles take more than " + TorchCheckpoint.MAX_PICKLE_BYTES
                                    + " bytes; refusing");
                        }
                        throw e.cause;
                    }
                    headLen = (int) Math.min(Math.min(fileSize, TorchCheckpoint.MAX_PICKLE_BYTES), 4L * headLen);
                }
            }
        } finally {
            if (!ok) ch.close();
        }
    }

    /** A pickle ran past the bytes read so far. */
    private static final class LegacyHeadTooShort extends Exception {
        private static final long serialVersionUID = 1L;
        final transient TorchFormatException cause;

        LegacyHeadTooShort(TorchFormatException cause) {
            super(null, null, false, false);
            this.cause = cause;
        }
    }

    private static Object next(SafeUnpickler u) throws TorchFormatException, LegacyHeadTooShort {
        try {
            return u.load();
        } catch (TorchFormatException e) {
            if (u.ranOutOfInput()) throw new LegacyHeadTooShort(e);
            throw e;
        }
    }

    /** Parses the five pickles from {@code head} (the file's first bytes) and locates the storages. */
    private static TorchCheckpoint legacyFromHead(FileChannel ch, byte[] head, String file, long fileSize)
            throws IOException, LegacyHeadTooShort {
        int headLen = head.length;
        SafeUnpickler magicReader = new SafeUnpickler(head, 0, headLen, file + ": legacy header", null);
        Object magic = next(magicReader);
        if (!(magic instanceof BigInteger m) || !m.equals(LEGACY_MAGIC)) {
            throw new TorchFormatException(file + ": legacy torch file has the wrong magic number");
        }
        int at = magicReader.position();
        SafeUnpickler protoReader = new SafeUnpickler(head, at, headLen, file + ": legacy header", null);
        Object proto = next(protoReader);
        if (!(proto instanceof Long p) || p != 1001) {
            throw new TorchFormatException(file + ": legacy torch file has protocol version " + Py.typeName(proto)
                    + (proto instanceof Long ? " " + proto : "") + ", expected 1001");
        }
        at = protoReader.position();
        SafeUnpickler infoReader = new SafeUnpickler(head, at, headLen, file + ": legacy sys_info", null);
        Object info = next(infoReader);
        if (!(info instanceof Py.Dict d)) throw new TorchFormatException(file + ": legacy sys_info is a " + Py.typeName(info));
        Object little = d.get("little_endian");
        if (Boolean.FALSE.equals(little)) {
            throw new TorchFormatException(file + ": legacy file written on a big-endian machine; not supported");
        }
        if (!Boolean.TRUE.equals(little)) throw new TorchFormatException(file + ": legacy sys_info lacks little_endian");
        at = infoReader.position();

        Map<String, StorageRef> storages = new LinkedHashMap<>();
        Map<String, StorageRef> views = new HashMap<>();
        SafeUnpickler.PersistentLoader loader = (pid, where) -> {
            if (pid.size() > 0 && "module".equals(pid.get(0))) {
                throw new TorchFormatException(where + "this file pickles a whole nn.Module (class and source code), not a state"
                        + " dict; save model.state_dict() instead");
            }
            if (pid.size() != 6 || !"storage".equals(pid.get(0))) throw PersistentIds.badPid(pid, where, 6);
            StorageType type = PersistentIds.storageType(pid.get(1), where);
            String key = PersistentIds.storageKey(pid.get(2), where);
            long numel = PersistentIds.numel(pid.get(4), where);
            if (!(pid.get(3) instanceof String)) throw new TorchFormatException(where + "storage location is not a string");
            StorageRef rootRef = storages.get(key);
            if (rootRef == null) {
                long bytes = PersistentIds.byteSize(numel, type, where);
                if (bytes > fileSize) {
                    throw new TorchFormatException(where + "storage '" + key + "' declares " + numel + " elements of " + type
                            + " (" + bytes + " bytes), more than the whole file (" + fileSize + " bytes)");
                }
                rootRef = new StorageRef(key, type, numel, 0);
                storages.put(key, rootRef);
            } else {
                PersistentIds.same(rootRef, type, numel, where);
            }
            Object view = pid.get(5);
            if (view == null) return rootRef;
            if (!(view instanceof Py.Tuple v) || v.size() != 3 || !(v.get(0) instanceof String viewKey)
                    || !(v.get(1) instanceof Long offset) || !(v.get(2) instanceof Long viewSize)) {
                throw new TorchFormatException(where + "storage view metadata is not (key, offset, size)");
            }
            if (offset < 0 || viewSize < 0 || offset > rootRef.numel() - viewSize) {
                throw new TorchFormatException(where + "storage view (offset " + offset + ", size " + viewSize
                        + ") lies outside " + rootRef);
            }
            StorageRef known = views.get(viewKey);
            if (known != null) return known;
            StorageRef ref = new StorageRef(key, type, viewSize, offset);
            views.put(viewKey, ref);
            return ref;
        };
        SafeUnpickler objectReader = new SafeUnpickler(head, at, headLen, file + ": pickle", loader);
        Object root = next(objectReader);
        int pickleStart = at;
        at = objectReader.position();
        int pickleBytes = at - pickleStart;
        SafeUnpickler keysReader = new SafeUnpickler(head, at, headLen, file + ": storage key list", null);
        Object keys = next(keysReader);
        if (!(keys instanceof Py.PyList list)) {
            throw new TorchFormatException(file + ": legacy storage key list is a " + Py.typeName(keys));
        }
        long pos = keysReader.position();
        Map<String, Long> offsets = new HashMap<>();
        ByteBuffer count = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (Object k : list.items()) {
            if (!(k instanceof String key)) throw new TorchFormatException(file + ": legacy storage key is a " + Py.typeName(k));
            StorageRef ref = storages.get(key);
            if (ref == null) {
                throw new TorchFormatException(file + ": legacy storage list names '" + Py.clean(key) + "', which the pickle never uses");
            }
            if (offsets.containsKey(key)) throw new TorchFormatException(file + ": legacy storage '" + Py.clean(key) + "' is listed twice");
            if (pos > fileSize - 8) {
                throw new TorchFormatException(file + ": file ends before storage '" + Py.clean(key) + "' (truncated)");
            }
            count.clear();
            TorchCheckpoint.readFully(ch, count, pos, file);
            long n = count.flip().getLong();
            if (n != ref.numel()) {
                throw new TorchFormatException(file + ": storage '" + Py.clean(key) + "' holds " + n + " elements but the pickle declared "
                        + ref.numel() + " (corrupt)");
            }
            long bytes = n * ref.type().elementSize; // n was validated through PersistentIds.byteSize() when declared
            if (bytes > fileSize - pos - 8) {
                throw new TorchFormatException(file + ": file ends inside storage '" + Py.clean(key) + "' (needs " + bytes
                        + " bytes at offset " + (pos + 8) + " of " + fileSize + "; truncated)");
            }
            offsets.put(key, pos + 8);
            pos += 8 + bytes;
        }
        for (String key : storages.keySet()) {
            if (!offsets.containsKey(key)) {
                throw new TorchFormatException(file + ": storage '" + Py.clean(key) + "' is used but its data is missing");
            }
        }
        return new TorchCheckpoint(file, TorchCheckpoint.Format.LEGACY, root, ByteOrder.LITTLE_ENDIAN, storages, pickleBytes, fileSize,
                null, null, ch, offsets);
    }
}
