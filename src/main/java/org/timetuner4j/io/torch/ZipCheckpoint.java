package org.timetuner4j.io.torch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/** Opens a torch.save zip archive (PyTorch 1.6 and later): data.pkl, byteorder, one record per storage. */
final class ZipCheckpoint {
    private ZipCheckpoint() {}

    static TorchCheckpoint open(Path path, String file, long fileSize) throws IOException {
        ZipFile zf;
        try {
            zf = new ZipFile(path.toFile());
        } catch (ZipException | EOFException e) {
            throw new TorchFormatException(file + ": not a valid zip archive (" + TorchCheckpoint.oneLine(e) + "; truncated or corrupt?)");
        } catch (RuntimeException e) {
            throw new TorchFormatException(file + ": not a valid zip archive (" + TorchCheckpoint.oneLine(e) + ")");
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
                throw new TorchFormatException(file + ": corrupt zip directory (" + TorchCheckpoint.oneLine(e) + ")");
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
            byte[] pickle = readEntry(zf, pkl, -1, TorchCheckpoint.MAX_PICKLE_BYTES, file, fileSize);

            Map<String, StorageRef> storages = new HashMap<>();
            Map<String, ZipEntry> storageEntries = new HashMap<>();
            String dataPrefix = prefix + "data/";
            SafeUnpickler.PersistentLoader loader = (pid, where) -> {
                if (pid.size() != 5 || !"storage".equals(pid.get(0))) throw PersistentIds.badPid(pid, where, 5);
                StorageType type = PersistentIds.storageType(pid.get(1), where);
                String key = PersistentIds.storageKey(pid.get(2), where);
                long numel = PersistentIds.numel(pid.get(4), where);
                if (!(pid.get(3) instanceof String)) throw new TorchFormatException(where + "storage location is not a string");
                StorageRef known = storages.get(key);
                if (known != null) return PersistentIds.same(known, type, numel, where);
                ZipEntry e = entries.get(dataPrefix + key);
                if (e == null) {
                    throw new TorchFormatException(where + "storage '" + key + "' has no record " + Py.clean(dataPrefix + key)
                            + " in the archive");
                }
                long bytes = PersistentIds.byteSize(numel, type, where);
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
            return new TorchCheckpoint(file, TorchCheckpoint.Format.ZIP, root, order, storages, pickle.length, fileSize, zf, storageEntries,
                    null, null);
        } finally {
            if (!ok) zf.close();
        }
    }

    /** Reads a whole zip entry after checking its declared sizes, then checks its CRC-32. */
    static byte[] readEntry(ZipFile zf, ZipEntry e, long expected, long max, String file, long fileSize)
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
            throw new TorchFormatException(file + ": cannot read zip entry " + name + " (" + TorchCheckpoint.oneLine(x) + "; truncated or corrupt?)");
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
}
