package org.timetuner4j.io.torch;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
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

    TorchCheckpoint(String file, Format format, Object root, ByteOrder order, Map<String, StorageRef> storages,
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
        if (isZip(head)) return ZipCheckpoint.open(path, file, size);
        if (isLegacy(head)) return LegacyCheckpoint.open(path, file, size);
        throw new TorchFormatException(file + ": not a torch.save file (it starts neither with a ZIP header nor with the legacy magic number)");
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
            data = ZipCheckpoint.readEntry(zip, storageEntries.get(ref.key()), bytes, MAX_STORAGE_BYTES, file, fileSize);
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

    static void readFully(FileChannel ch, ByteBuffer buf, long pos, String file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new TorchFormatException(file + ": file ended early at byte " + pos + " (truncated?)");
            pos += r;
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null) m = e.getClass().getSimpleName();
        return Py.clean(m.replaceAll("\\s+", " "));
    }
}