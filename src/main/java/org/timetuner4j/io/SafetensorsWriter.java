package org.timetuner4j.io;

import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Writes safetensors files (see {@link Safetensors#write}). */
final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /**
     * Writes tensors to a safetensors file, replacing it if it exists.
     *
     * <p>All tensors are stored as {@code dtype} (F32, F16 or BF16; each tensor's own
     * {@link TensorData#dtype()} is ignored). F16 and BF16 are produced by rounding to nearest,
     * ties to even; F16 overflows to ±inf beyond 65504 and underflows to ±0 below 2^-25. The byte
     * ranges follow the map's iteration order; the header is padded with spaces so that the data
     * buffer starts at a multiple of 8. The file is first written to a temporary file in the same
     * directory and then moved over {@code path} (atomically where the file system allows).
     *
     * @param metadata written as {@code __metadata__}; null or empty writes none
     * @throws IllegalArgumentException if dtype is not F32/F16/BF16, or a name is null or
     *                                  {@code __metadata__}, or a metadata key/value is null
     */
    static void write(Path path, Map<String, TensorData> tensors, Map<String, String> metadata, String dtype)
            throws IOException {
        String code = dtype == null ? "null" : dtype.toUpperCase(Locale.ROOT);
        SafetensorsDType dt = switch (code) {
            case "F32" -> SafetensorsDType.F32;
            case "F16" -> SafetensorsDType.F16;
            case "BF16" -> SafetensorsDType.BF16;
            default -> throw new IllegalArgumentException("safetensors output dtype must be F32, F16 or BF16, not " + dtype);
        };
        byte[] header = buildHeader(tensors, metadata, dt);
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        // Not Files.createTempFile: that would give the final file owner-only permissions.
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toHexString(System.nanoTime())
                + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + ".tmp");
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        boolean moved = false;
        try {
            try (ch) {
                ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(header.length).put(header).flip();
                writeFully(ch, head);
                long maxBytes = 0;
                for (TensorData t : tensors.values()) maxBytes = Math.max(maxBytes, (long) t.numel() * dt.size);
                ByteBuffer chunk = ByteBuffer.allocate((int) Math.max(8, Math.min(Safetensors.CHUNK_BYTES, maxBytes)))
                        .order(ByteOrder.LITTLE_ENDIAN);
                int chunkElems = chunk.capacity() / dt.size;
                for (TensorData t : tensors.values()) {
                    float[] v = t.values();
                    for (int done = 0; done < v.length; ) {
                        int n = Math.min(chunkElems, v.length - done);
                        chunk.clear();
                        switch (dt) {
                            case F32 -> {
                                chunk.asFloatBuffer().put(v, done, n);
                                chunk.position(n * 4);
                            }
                            case F16 -> {
                                for (int i = 0; i < n; i++) chunk.putShort(HalfFloats.floatToF16(v[done + i]));
                            }
                            default -> {
                                for (int i = 0; i < n; i++) chunk.putShort(HalfFloats.floatToBf16(v[done + i]));
                            }
                        }
                        chunk.flip();
                        writeFully(ch, chunk);
                        done += n;
                    }
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
    }

    private static byte[] buildHeader(Map<String, TensorData> tensors, Map<String, String> metadata, SafetensorsDType dt)
            throws IOException {
        StringWriter sw = new StringWriter();
        JsonWriter w = new JsonWriter(sw);
        w.setHtmlSafe(false);
        w.beginObject();
        if (metadata != null && !metadata.isEmpty()) {
            w.name(SafetensorsHeader.METADATA_KEY).beginObject();
            for (Map.Entry<String, String> kv : metadata.entrySet()) {
                if (kv.getKey() == null || kv.getValue() == null) {
                    throw new IllegalArgumentException("safetensors metadata keys and values must not be null (key "
                            + kv.getKey() + ")");
                }
                w.name(kv.getKey()).value(kv.getValue());
            }
            w.endObject();
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> kv : tensors.entrySet()) {
            String name = kv.getKey();
            TensorData t = kv.getValue();
            if (name == null || name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("invalid safetensors tensor name: " + name);
            }
            if (t == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            long bytes = (long) t.numel() * dt.size;
            w.name(name).beginObject();
            w.name("dtype").value(dt.name());
            w.name("shape").beginArray();
            for (int d : t.shape()) w.value(d);
            w.endArray();
            w.name("data_offsets").beginArray().value(offset).value(offset + bytes).endArray();
            w.endObject();
            offset += bytes;
        }
        w.endObject();
        w.close();
        byte[] json = sw.toString().getBytes(StandardCharsets.UTF_8);
        int padded = json.length + (8 - (8 + json.length) % 8) % 8;
        if (padded > Safetensors.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("safetensors header would be " + padded + " bytes, over the limit of "
                    + Safetensors.MAX_HEADER_BYTES);
        }
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }
}
