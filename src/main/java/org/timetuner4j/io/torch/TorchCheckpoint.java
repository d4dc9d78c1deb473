package org.timetuner4j.io.torch;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A {@code torch.save} file opened for reading, in either format (spec Part D §4.2-4.7):
 *
 * <ul>
 *   <li><b>zip</b> (PyTorch ≥ 1.6): a ZIP archive whose entries share one folder prefix, with the
 *       pickle in {@code data.pkl}, each storage's raw bytes in {@code data/<key>}, and optional
 *       {@code byteorder} and {@code version} records. Entries may be stored or deflated; every
 *       entry read is checked against the central directory's size and CRC-32. TorchScript
 *       archives are refused.</li>
 *   <li><b>legacy</b> (before 1.6): five pickles back to back (magic number, protocol 1001,
 *       system info, the object, the list of storage keys), then each storage as an int64
 *       element count and its bytes, little-endian.</li>
 * </ul>
 *
 * <p>{@link #open} parses the pickle with the {@link SafeUnpickler} and checks every storage the
 * pickle announces against the file (it exists, its byte size is its element count times the
 * element size, it lies inside the file) before anything sized by the file is allocated; tensor
 * views are bounds-checked when they are built. Storage bytes are read only by {@link #read}, so
 * unused objects (an optimizer's moments) cost nothing. Every problem ends in a
 * {@link TorchFormatException} (or {@link UnsafePickleException}) with a one-line message.
 */
public final class TorchCheckpoint implements Closeable {

    /** The two on-disk layouts. */
    public enum Format { ZIP, LEGACY }

    /** Largest pickle accepted (a state dict's pickle is tens of KB). */
    public static final int MAX_PICKLE_BYTES = 64 << 20;
    /** Largest single storage read (a Java byte array). */
    public static final long MAX_STORAGE_BYTES = Integer.MAX_VALUE - 8;
    /** Bytes of storage data kept in memory between {@link #read} calls. */
    private static final long CACHE_BYTES = 256L << 20;

    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final Pattern STORAGE_KEY = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

    private final String file;
    private final Format format;
    private final Object root;
    private final ByteOrder order;
    private final Map<String, StorageRef> storages;   // stored storages by key
    private final int pickleBytes;
    private final long fileSize;
    // zip
    private final ZipFile zip;
    private final Map<String, ZipEntry> storageEntries;
    // legacy
    private final FileChannel channel;
    private final Map<String, Long> dataOffsets;

    private final LinkedHashMap<String, ByteBuffer> cache = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedBytes;
    private long materialized;

    private TorchCheckpoint(String file, Format format, Object root, ByteOrder order, Map<String, StorageRef> storages,
                            int pickleBytes, long fileSize, ZipFile zip, Map<String, ZipEntry> storageEntries,
                            FileChannel channel, Map<String, Long> dataOffsets) {
        this.file = file;
        this.format = format;
        this.root = root;
        this.order = order;
        this.storages = storages;
        this.pickleBytes = pickleBytes;
        this.fileSize = fileSize;
        this.zip = zip;
        this.storageEntries = storageEntries;
        this.channel = channel;
        this.dataOffsets = dataOffsets;
    }

    /** True if the file starts like a torch.save file of either format. */
    public static boolean looksLikeTorch(byte[] head) {
        return isZip(head) || isLegacy(head);
    }

    private static boolean isZip(byte[] h) {
        return h.length >= 4 && h[0] == 'P' && h[1] == 'K' && ((h[2] == 3 && h[3] == 4) || (h[2] == 5 && h[3] == 6));
    }

    private static boolean isLegacy(byte[] h) {
        return h.length >= 4 && (h[0] & 0xFF) == 0x80 && h[1] == 2 && (h[2] & 0xFF) == 0x8A && h[3] == 10;
    }

    /**
     * Opens a checkpoint and parses its pickle.
     *
     * @throws TorchFormatException if it is not a torch.save file, is malformed, or its pickle
     *                              asks for anything outside the safe set
     * @throws IOException          if the file cannot be read
     */
    public static TorchCheckpoint open(Path path) throws IOException {
        String file = path.getFileName() == null ? path.toString() : path.getFileName().toString();
        long size = Files.size(path);
        byte[] head = new byte[(int) Math.min(16, size)];
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            readFully(ch, ByteBuffer.wrap(head), 0, file);
        }
        if (isZip(head)) return openZip(path, file, size);
        if (isLegacy(head)) return openLegacy(path, file, size);
        throw new TorchFormatException(file + ": not a torch.save file (it starts neither with a ZIP header nor with the legacy magic number)");
    }

    // ------------------------------------------------------------------------------------------
    // zip

    private static TorchCheckpoint openZip(Path path, String file, long fileSize) throws IOException {
        ZipFile zf;
        try {
            zf = new ZipFile(path.toFile());
        } catch (ZipException | EOFException e) {
            throw new TorchFormatException(file + ": not a valid zip archive (" + oneLine(e) + "; truncated or corrupt?)");
        } catch (RuntimeException e) {
            throw new TorchFormatException(file + ": not a valid zip archive (" + oneLine(e) + ")");
        }
        boolean ok = false;
        try {
            Map<String, ZipEntry> entries = new HashMap<>();
            String first = null;
            try {
                Enumeration<? extends ZipEntry> en = zf.entries();
                while (en.hasMoreElements()) {
                    ZipEntry e = en.nextElement();
                    if (first == null) first = e.getName();
                    entries.put(e.getName(), e);
                }
            } catch (RuntimeException e) {
                throw new TorchFormatException(file + ": corrupt zip directory (" + oneLine(e) + ")");
            }
            if (first == null) throw new TorchFormatException(file + ": empty zip archive, not a torch.save file");
            int slash = first.indexOf('/');
            String prefix = slash < 0 ? "" : first.substring(0, slash + 1);
            ZipEntry pkl = entries.get(prefix + "data.pkl");
            if (pkl == null) {
                for (Map.Entry<String, ZipEntry> e : entries.entrySet()) {
                    String n = e.getKey();
                    if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9) {
                        prefix = n.substring(0, n.length() - 8);
                        pkl = e.getValue();
                        break;
                    }
                }
            }
            for (String n : entries.keySet()) {
                if (n.equals(prefix + "constants.pkl") || n.startsWith(prefix + "code/")) {
                    throw new TorchFormatException(file + ": a TorchScript archive (torch.jit.save), not a torch.save checkpoint;"
                            + " save the model's state_dict() with torch.save instead");
                }
            }
            if (pkl == null) throw new TorchFormatException(file + ": zip archive without data.pkl, not a torch.save file");

            ByteOrder order = ByteOrder.LITTLE_ENDIAN;
            ZipEntry bo = entries.get(prefix + "byteorder");
            if (bo != null) {
                String s = new String(readEntry(zf, bo, -1, 64, file, fileSize), StandardCharsets.US_ASCII).trim();
                if (s.equals("big")) order = ByteOrder.BIG_ENDIAN;
                else if (!s.equals("little")) {
                    throw new TorchFormatException(file + ": byteorder record says '" + Py.clean(s) + "', not 'little' or 'big'");
                }
            }
            byte[] pickle = readEntry(zf, pkl, -1, MAX_PICKLE_BYTES, file, fileSize);

            Map<String, StorageRef> storages = new HashMap<>();
            Map<String, ZipEntry> storageEntries = new HashMap<>();
            String dataPrefix = prefix + "data/";
            SafeUnpickler.PersistentLoader loader = (pid, where) -> {
                if (pid.size() != 5 || !"storage".equals(pid.get(0))) throw badPid(pid, where, 5);
                StorageType type = storageType(pid.get(1), where);
                String key = storageKey(pid.get(2), where);
                long numel = numel(pid.get(4), where);
                if (!(pid.get(3) instanceof String)) throw new TorchFormatException(where + "storage location is not a string");
                StorageRef known = storages.get(key);
                if (known != null) return same(known, type, numel, where);
                ZipEntry e = entries.get(dataPrefix + key);
                if (e == null) {
                    throw new TorchFormatException(where + "storage '" + key + "' has no record " + Py.clean(dataPrefix + key)
                            + " in the archive");
                }
                long bytes = byteSize(numel, type, where);
                if (e.getSize() != bytes) {
                    throw new TorchFormatException(where + "storage '" + key + "' declares " + numel + " elements of " + type
                            + " (" + bytes + " bytes) but its record holds " + e.getSize() + " bytes");
                }
                StorageRef ref = new StorageRef(key, type, numel, 0);
                storages.put(key, ref);
                storageEntries.put(key, e);
                return ref;
            };
            Object root = new SafeUnpickler(pickle, 0, pickle.length, file + ": data.pkl", loader).load();
            ok = true;
            return new TorchCheckpoint(file, Format.ZIP, root, order, storages, pickle.length, fileSize, zf, storageEntries,
                    null, null);
        } finally {
            if (!ok) zf.close();
        }
    }

    /** Reads a whole zip entry after checking its declared sizes, then checks its CRC-32. */
    private static byte[] readEntry(ZipFile zf, ZipEntry e, long expected, long max, String file, long fileSize)
            throws TorchFormatException {
        String name = Py.clean(e.getName());
        long size = e.getSize();
        long csize = e.getCompressedSize();
        if (size < 0) throw new TorchFormatException(file + ": zip entry " + name + " has no size");
        if (expected >= 0 && size != expected) {
            throw new TorchFormatException(file + ": zip entry " + name + " holds " + size + " bytes, expected " + expected);
        }
        if (size > max) throw new TorchFormatException(file + ": zip entry " + name + " is " + size + " bytes, over the limit of " + max);
        int method = e.getMethod();
        if (method == ZipEntry.STORED) {
            if (csize >= 0 && csize != size) {
                throw new TorchFormatException(file + ": zip entry " + name + " is stored but its sizes differ (" + csize + " vs " + size + ")");
            }
            if (size > fileSize) {
                throw new TorchFormatException(file + ": zip entry " + name + " claims " + size + " bytes, more than the whole file ("
                        + fileSize + "); truncated or corrupt");
            }
        } else if (method == ZipEntry.DEFLATED) {
            if (csize < 0 || csize > fileSize || size > csize * 1032L + 1024) {
                throw new TorchFormatException(file + ": zip entry " + name + " has implausible sizes (" + csize + " compressed, "
                        + size + " uncompressed)");
            }
        } else {
            throw new TorchFormatException(file + ": zip entry " + name + " uses compression method " + method
                    + "; only stored and deflated entries are read");
        }
        byte[] data = new byte[(int) size];
        try (InputStream in = zf.getInputStream(e)) {
            int n = in.readNBytes(data, 0, data.length);
            if (n != data.length) {
                throw new TorchFormatException(file + ": zip entry " + name + " ends after " + n + " of " + size + " bytes (truncated)");
            }
        } catch (TorchFormatException x) {
            throw x;
        } catch (IOException | RuntimeException x) {
            throw new TorchFormatException(file + ": cannot read zip entry " + name + " (" + oneLine(x) + "; truncated or corrupt?)");
        }
        long crc = e.getCrc();
        if (crc != -1) {
            CRC32 c = new CRC32();
            c.update(data);
            if (c.getValue() != crc) {
                throw new TorchFormatException(file + ": zip entry " + name + " fails its CRC-32 check (the file is corrupt)");
            }
        }
        return data;
    }

    // ------------------------------------------------------------------------------------------
    // legacy

    private static TorchCheckpoint openLegacy(Path path, String file, long fileSize) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        boolean ok = false;
        try {
            // The five pickles sit at the start of the file; read a prefix, and more only if they run past it.
            int headLen = (int) Math.min(fileSize, 1 << 20);
            while (true) {
                byte[] head = new byte[headLen];
                readFully(ch, ByteBuffer.wrap(head), 0, file);
                try {
                    TorchCheckpoint c = legacyFromHead(ch, head, file, fileSize);
                    ok = true;
                    return c;
                } catch (LegacyHeadTooShort e) {
                    if (headLen >= Math.min(fileSize, MAX_PICKLE_BYTES)) {
                        if (fileSize > MAX_PICKLE_BYTES) {
                            throw new TorchFormatException(file + ": the legacy pickles take more than " + MAX_PICKLE_BYTES
                                    + " bytes; refusing");
                        }
                        throw e.cause;
                    }
                    headLen = (int) Math.min(Math.min(fileSize, MAX_PICKLE_BYTES), 4L * headLen);
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
            if (pid.size() != 6 || !"storage".equals(pid.get(0))) throw badPid(pid, where, 6);
            StorageType type = storageType(pid.get(1), where);
            String key = storageKey(pid.get(2), where);
            long numel = numel(pid.get(4), where);
            if (!(pid.get(3) instanceof String)) throw new TorchFormatException(where + "storage location is not a string");
            StorageRef rootRef = storages.get(key);
            if (rootRef == null) {
                long bytes = byteSize(numel, type, where);
                if (bytes > fileSize) {
                    throw new TorchFormatException(where + "storage '" + key + "' declares " + numel + " elements of " + type
                            + " (" + bytes + " bytes), more than the whole file (" + fileSize + " bytes)");
                }
                rootRef = new StorageRef(key, type, numel, 0);
                storages.put(key, rootRef);
            } else {
                same(rootRef, type, numel, where);
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
            readFully(ch, count, pos, file);
            long n = count.flip().getLong();
            if (n != ref.numel()) {
                throw new TorchFormatException(file + ": storage '" + Py.clean(key) + "' holds " + n + " elements but the pickle declared "
                        + ref.numel() + " (corrupt)");
            }
            long bytes = n * ref.type().elementSize; // n was validated through byteSize() when declared
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
        return new TorchCheckpoint(file, Format.LEGACY, root, ByteOrder.LITTLE_ENDIAN, storages, pickleBytes, fileSize,
                null, null, ch, offsets);
    }

    // ------------------------------------------------------------------------------------------
    // persistent-id checks shared by both formats

    private static TorchFormatException badPid(Py.Tuple pid, String where, int n) {
        return new TorchFormatException(where + "persistent id is not ('storage', type, key, location, numel"
                + (n == 6 ? ", view" : "") + "): a tuple of " + pid.size()
                + (pid.size() > 0 && pid.get(0) instanceof String s ? " starting with '" + Py.clean(s) + "'" : ""));
    }

    private static StorageType storageType(Object v, String where) throws TorchFormatException {
        if (v instanceof StorageType t) return t;
        throw new TorchFormatException(where + "storage type is a " + Py.typeName(v) + ", not a torch storage class");
    }

    private static String storageKey(Object v, String where) throws TorchFormatException {
        if (!(v instanceof String key)) throw new TorchFormatException(where + "storage key is a " + Py.typeName(v));
        if (!STORAGE_KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            throw new TorchFormatException(where + "invalid storage key '" + Py.clean(key) + "'");
        }
        return key;
    }

    private static long numel(Object v, String where) throws TorchFormatException {
        if (!(v instanceof Long n) || n < 0) {
            throw new TorchFormatException(where + "storage size is " + (v instanceof Long ? v : "a " + Py.typeName(v))
                    + ", not a non-negative int");
        }
        return n;
    }

    private static long byteSize(long numel, StorageType type, String where) throws TorchFormatException {
        if (numel > MAX_STORAGE_BYTES / type.elementSize) {
            throw new TorchFormatException(where + "storage of " + numel + " elements of " + type + " is larger than "
                    + MAX_STORAGE_BYTES + " bytes; not supported");
        }
        return numel * type.elementSize;
    }

    private static StorageRef same(StorageRef known, StorageType type, long numel, String where) throws TorchFormatException {
        if (known.type() != type || known.numel() != numel) {
            throw new TorchFormatException(where + "storage '" + known.key() + "' is declared twice, as " + known + " and as "
                    + type + " of " + numel + " elements");
        }
        return known;
    }

    // ------------------------------------------------------------------------------------------
    // reading tensors

    /** The unpickled object (a state dict, a list, ...). */
    public Object root() {
        return root;
    }

    public Format format() {
        return format;
    }

    /** Number of storages the pickle uses. */
    public int storageCount() {
        return storages.size();
    }

    /** A few words on the container, e.g. {@code torch zip archive (data.pkl 36 KB, 24 storages)}. */
    public String describe() {
        String kb = pickleBytes < 10240 ? pickleBytes + " bytes" : (pickleBytes / 1024) + " KB";
        return format == Format.ZIP
                ? "torch zip archive (data.pkl " + kb + ", " + storages.size() + " storages" + (order == ByteOrder.BIG_ENDIAN ? ", big-endian" : "") + ")"
                : "legacy torch file, pre-1.6 format (pickle " + kb + ", " + storages.size() + " storages)";
    }

    /**
     * The tensor's elements in row-major order as float32 (integer and bool storages by value).
     *
     * @throws TorchFormatException if the storage's bytes cannot be read (truncated or corrupt
     *                              file), or the views read so far expand to far more elements
     *                              than the file holds
     */
    public float[] read(TorchTensor t) throws IOException {
        StorageRef ref = t.storage();
        StorageRef stored = storages.get(ref.key());
        if (stored == null || stored.type() != ref.type()) throw new IllegalArgumentException("tensor is not from " + file);
        long budget = 8 * fileSize + (1L << 24);
        if (t.numel() > budget - materialized) {
            throw new TorchFormatException(file + ": its tensor views expand to more than " + budget
                    + " elements in all; refusing to materialise more");
        }
        materialized += t.numel();
        return t.gather(storageBytes(stored));
    }

    private ByteBuffer storageBytes(StorageRef ref) throws IOException {
        ByteBuffer b = cache.get(ref.key());
        if (b != null) return b;
        long bytes = ref.numel() * ref.type().elementSize;
        byte[] data;
        if (format == Format.ZIP) {
            data = readEntry(zip, storageEntries.get(ref.key()), bytes, MAX_STORAGE_BYTES, file, fileSize);
        } else {
            data = new byte[(int) bytes];
            readFully(channel, ByteBuffer.wrap(data), dataOffsets.get(ref.key()), file);
        }
        b = ByteBuffer.wrap(data).order(order);
        cache.put(ref.key(), b);
        cachedBytes += bytes;
        for (Iterator<Map.Entry<String, ByteBuffer>> it = cache.entrySet().iterator(); cachedBytes > CACHE_BYTES && it.hasNext(); ) {
            Map.Entry<String, ByteBuffer> e = it.next();
            if (e.getKey().equals(ref.key())) continue;
            cachedBytes -= e.getValue().capacity();
            it.remove();
        }
        return b;
    }

    @Override
    public void close() throws IOException {
        cache.clear();
        if (zip != null) zip.close();
        if (channel != null) channel.close();
    }

    // ------------------------------------------------------------------------------------------

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, String file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new TorchFormatException(file + ": file ended early at byte " + pos + " (truncated?)");
            pos += r;
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null) m = e.getClass().getSimpleName();
        return Py.clean(m.replaceAll("\\s+", " "));
    }
}
