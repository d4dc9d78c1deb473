package org.timetuner4j.io.torch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes torch.save containers around hand-made pickles and storages, for tests. */
public final class TorchFiles {
    private TorchFiles() {}

    /** A torch zip archive: {@code prefix/data.pkl}, {@code prefix/data/<key>}, extra records as given. */
    public static byte[] zip(String prefix, byte[] pickle, Map<String, byte[]> storages, Map<String, byte[]> extra,
                             boolean deflate) throws IOException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put(prefix + "/data.pkl", pickle);
        storages.forEach((k, v) -> records.put(prefix + "/data/" + k, v));
        extra.forEach((k, v) -> records.put(prefix + "/" + k, v));
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                ZipEntry e = new ZipEntry(r.getKey());
                if (deflate) {
                    e.setMethod(ZipEntry.DEFLATED);
                } else {
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(r.getValue().length);
                    e.setCompressedSize(r.getValue().length);
                    CRC32 c = new CRC32();
                    c.update(r.getValue());
                    e.setCrc(c.getValue());
                }
                z.putNextEntry(e);
                z.write(r.getValue());
                z.closeEntry();
            }
        }
        return bos.toByteArray();
    }

    public static byte[] zip(byte[] pickle, Map<String, byte[]> storages) throws IOException {
        return zip("archive", pickle, storages, Map.of("version", "3\n".getBytes(), "byteorder", "little".getBytes()), false);
    }

    /** A legacy (pre-1.6) file: magic, protocol, sys_info, the object pickle, the key list, the storages. */
    public static byte[] legacy(byte[] objectPickle, Map<String, byte[]> storages, Map<String, Integer> elementSizes) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        bos.writeBytes(PickleBuilder.proto2().long1(new BigInteger("1950a86a20f9469cfc6c", 16)).stop().bytes());
        bos.writeBytes(PickleBuilder.proto2().integer(1001).stop().bytes());
        bos.writeBytes(PickleBuilder.proto2().emptyDict().mark().str("protocol_version").integer(1001).str("little_endian")
                .bool(true).str("type_sizes").emptyDict().mark().str("short").integer(2).str("int").integer(4)
                .str("long").integer(4).setItems().setItems().stop().bytes());
        bos.writeBytes(objectPickle);
        PickleBuilder keys = PickleBuilder.proto2().emptyList().mark();
        for (String k : storages.keySet()) keys.str(k);
        bos.writeBytes(keys.appends().stop().bytes());
        for (Map.Entry<String, byte[]> s : storages.entrySet()) {
            long n = s.getValue().length / elementSizes.getOrDefault(s.getKey(), 4);
            bos.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
            bos.writeBytes(s.getValue());
        }
        return bos.toByteArray();
    }

    public static byte[] legacy(byte[] objectPickle, Map<String, byte[]> storages) {
        return legacy(objectPickle, storages, Map.of());
    }

    /** Little-endian float32 bytes. */
    public static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    public static float[] range(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return v;
    }

    static List<String> list(String... s) {
        return List.of(s);
    }
}
