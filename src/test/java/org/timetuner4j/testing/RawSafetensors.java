package org.timetuner4j.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a safetensors file with any dtype (the library's writer only produces floats), built by
 * hand from the format's layout, for data sets with U8 images and integer labels.
 */
public final class RawSafetensors {
    private final Map<String, Object[]> tensors = new LinkedHashMap<>();

    /** Adds a tensor: dtype code, shape and its little-endian bytes. */
    public RawSafetensors add(String name, String dtype, int[] shape, byte[] data) {
        tensors.put(name, new Object[] {dtype, shape.clone(), data.clone()});
        return this;
    }

    public static byte[] u8(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    public static byte[] i64(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return b.array();
    }

    public static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    public void write(Path path) throws IOException {
        StringBuilder h = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, Object[]> e : tensors.entrySet()) {
            byte[] d = (byte[]) e.getValue()[2];
            if (h.length() > 1) h.append(',');
            h.append('"').append(e.getKey()).append("\":{\"dtype\":\"").append(e.getValue()[0]).append("\",\"shape\":")
                    .append(Arrays.toString((int[]) e.getValue()[1]).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(offset).append(',').append(offset + d.length).append("]}");
            offset += d.length;
        }
        byte[] header = h.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + header.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header);
        for (Object[] t : tensors.values()) out.put((byte[]) t[2]);
        Files.write(path, out.array());
    }
}
