package org.timetuner4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format.
 *
 * <p>Layout: bytes 0-7 hold N, the header length (unsigned 64-bit little-endian); bytes 8..8+N-1
 * hold a UTF-8 JSON object (possibly padded with trailing spaces) mapping each tensor name to
 * {@code {"dtype": D, "shape": [...], "data_offsets": [begin, end]}}, plus an optional
 * {@code "__metadata__"} map of strings to strings; the rest of the file is the data buffer, in
 * which each tensor occupies {@code [begin, end)} little-endian, row-major. The ranges must tile the
 * buffer exactly.
 *
 * <p>Reading validates everything before allocating anything sized by the file's contents, and
 * reports every problem as a {@link SafetensorsException} with a one-line message. All tensors are
 * converted to float32: F32, F16, BF16 and F64, and the integer types I64, I32, I16, I8, U64, U32,
 * U16, U8 and BOOL (as their numeric values; BOOL as 0/1). Other dtypes (C64, F8_*, F6_*, F4) are
 * refused.
 *
 * <p>Writing produces F32, F16 or BF16; F16 and BF16 are rounded to nearest, ties to even (see
 * {@link HalfFloats}). The header is padded with spaces so that the data start at a multiple of 8,
 * tensors are laid out in the map's iteration order, and the file is written to a temporary file in
 * the target directory and then moved into place.
 */
public final class Safetensors {
    private Safetensors() {}

    /** The largest header accepted (the reference implementation's limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Bytes read from or written to the file at a time. */
    static final int CHUNK_BYTES = 1 << 22;

    // ------------------------------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------------------------------

    /**
     * Reads a whole safetensors file, converting every tensor to float32.
     *
     * @return the tensors in file-offset order, and the metadata (empty if the file has none)
     * @throws SafetensorsException if the file is not a valid safetensors file or holds an
     *                              unsupported dtype
     * @throws IOException          if the file cannot be read
     */
    public static SafetensorsFile read(Path path) throws IOException {
        return read(path, true);
    }

    /** The {@code __metadata__} of a safetensors file, read and checked like {@link #read} does, without the tensors' values. */
    public static Map<String, String> readMetadata(Path path) throws IOException {
        return read(path, false).metadata();
    }

    private static SafetensorsFile read(Path path, boolean withValues) throws IOException {
        String file = displayName(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw fail(file, "file is " + size + " bytes long, too short for the 8-byte header length"
                        + " (not a safetensors file, or truncated)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            lenBuf.flip();
            long n = lenBuf.getLong();
            if (n < 0 || n > MAX_HEADER_BYTES) {
                String kind = FileKinds.recognise(lenBuf.array());
                if (kind != null) throw fail(file, "not a safetensors file: it is " + kind);
                throw fail(file, "not a safetensors file: its first 8 bytes give a header length of "
                        + Long.toUnsignedString(n) + " bytes, over the limit of " + MAX_HEADER_BYTES);
            }
            if (n > size - 8) {
                throw fail(file, "header length " + n + " exceeds the " + (size - 8)
                        + " bytes that follow it (file truncated, or not a safetensors file)");
            }
            if (n < 2) {
                throw fail(file, "header length is " + n + " bytes, too short for a JSON object");
            }
            ByteBuffer hdr = ByteBuffer.allocate((int) n);
            readFully(ch, hdr, 8, file);
            String json;
            try {
                json = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(hdr.flip()).toString();
            } catch (CharacterCodingException e) {
                throw fail(file, "header is not valid UTF-8 (not a safetensors file?)");
            }
            long bufferStart = 8 + n;
            long bufferLen = size - bufferStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<SafetensorsHeader.Entry> entries = SafetensorsHeader.parseHeader(json, file, metadata);
            SafetensorsHeader.checkLayout(entries, bufferLen, file);
            if (!withValues) return new SafetensorsFile(Map.of(), metadata);

            Map<String, TensorData> tensors = new LinkedHashMap<>();
            ByteBuffer chunk = null;
            for (SafetensorsHeader.Entry e : entries) {
                float[] values = new float[e.numel()];
                long bytes = e.end() - e.begin();
                if (bytes > 0) {
                    if (chunk == null) {
                        long maxBytes = 0;
                        for (SafetensorsHeader.Entry x : entries) maxBytes = Math.max(maxBytes, x.end() - x.begin());
                        chunk = ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, maxBytes)).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    readTensor(ch, bufferStart + e.begin(), bytes, e.dtype(), values, chunk, file);
                }
                tensors.put(e.name(), new TensorData(e.dtypeCode(), e.shape(), values));
            }
            return new SafetensorsFile(tensors, metadata);
        }
    }

    private static void readTensor(FileChannel ch, long pos, long bytes, SafetensorsDType dt, float[] out,
                                   ByteBuffer chunk, String file) throws IOException {
        int chunkElems = chunk.capacity() / dt.size;     // capacity is >= one element: sizes are powers of 2
        int done = 0;
        int total = (int) (bytes / dt.size);
        while (done < total) {
            int count = Math.min(chunkElems, total - done);
            chunk.clear().limit(count * dt.size);
            readFully(ch, chunk, pos + (long) done * dt.size, file);
            chunk.flip();
            convert(chunk, dt, out, done, count);
            done += count;
        }
    }

    private static void convert(ByteBuffer b, SafetensorsDType dt, float[] out, int off, int n) {
        switch (dt) {
            case F32 -> b.asFloatBuffer().get(out, off, n);
            case F64 -> {
                var d = b.asDoubleBuffer();
                for (int i = 0; i < n; i++) out[off + i] = (float) d.get(i);
            }
            case F16 -> {
                var s = b.asShortBuffer();
                for (int i = 0; i < n; i++) out[off + i] = HalfFloats.f16ToFloat(s.get(i));
            }
            case BF16 -> {
                var s = b.asShortBuffer();
                for (int i = 0; i < n; i++) out[off + i] = HalfFloats.bf16ToFloat(s.get(i));
            }
            case I64 -> {
                var l = b.asLongBuffer();
                for (int i = 0; i < n; i++) out[off + i] = (float) l.get(i);
            }
            case U64 -> {
                var l = b.asLongBuffer();
                for (int i = 0; i < n; i++) out[off + i] = unsignedLongToFloat(l.get(i));
            }
            case I32 -> {
                var v = b.asIntBuffer();
                for (int i = 0; i < n; i++) out[off + i] = (float) v.get(i);
            }
            case U32 -> {
                var v = b.asIntBuffer();
                for (int i = 0; i < n; i++) out[off + i] = (float) (v.get(i) & 0xFFFFFFFFL);
            }
            case I16 -> {
                var v = b.asShortBuffer();
                for (int i = 0; i < n; i++) out[off + i] = v.get(i);
            }
            case U16 -> {
                var v = b.asShortBuffer();
                for (int i = 0; i < n; i++) out[off + i] = v.get(i) & 0xFFFF;
            }
            case I8 -> {
                for (int i = 0; i < n; i++) out[off + i] = b.get(i);
            }
            case U8 -> {
                for (int i = 0; i < n; i++) out[off + i] = b.get(i) & 0xFF;
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) out[off + i] = b.get(i) != 0 ? 1f : 0f;
            }
        }
    }

    /** Correctly rounded unsigned 64-bit to float (halving with a sticky bit keeps the rounding exact). */
    private static float unsignedLongToFloat(long v) {
        if (v >= 0) return (float) v;
        return (float) ((v >>> 1) | (v & 1)) * 2f;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, String file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw fail(file, "file ended early at byte " + pos + " (was it truncated while being read?)");
            pos += r;
        }
    }

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
    public static void write(Path path, Map<String, TensorData> tensors, Map<String, String> metadata, String dtype)
            throws IOException {
        SafetensorsWriter.write(path, tensors, metadata, dtype);
    }

    // ------------------------------------------------------------------------------------------

    private static String displayName(Path path) {
        Path name = path.getFileName();
        return name == null ? path.toString() : name.toString();
    }

    static SafetensorsException fail(String file, String message) {
        return new SafetensorsException(file + ": " + message);
    }
}
