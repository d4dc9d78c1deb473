package org.timetuner4j.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

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
    private static final int CHUNK_BYTES = 1 << 22;

    private static final String METADATA_KEY = "__metadata__";

    /** Storage dtypes this class can convert to float32. */
    private enum DType {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U64(8), U32(4), U16(2), U8(1), BOOL(1);

        final int size;

        DType(int size) {
            this.size = size;
        }

        static DType parse(String code) {
            for (DType d : values()) if (d.name().equals(code)) return d;
            return null;
        }
    }

    /** Dtype codes the format defines but this reader does not convert. */
    private static final Set<String> UNSUPPORTED_DTYPES = Set.of(
            "C64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F6_E2M3", "F6_E3M2", "F4");

    private static final String SUPPORTED_LIST = "F32, F16, BF16, F64, I64, I32, I16, I8, U64, U32, U16, U8, BOOL";

    private record Entry(String name, DType dtype, String dtypeCode, int[] shape, int numel,
                         long begin, long end, int headerIndex) {}

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
            List<Entry> entries = parseHeader(json, file, metadata);
            checkLayout(entries, bufferLen, file);

            Map<String, TensorData> tensors = new LinkedHashMap<>();
            ByteBuffer chunk = null;
            for (Entry e : entries) {
                float[] values = new float[e.numel];
                long bytes = e.end - e.begin;
                if (bytes > 0) {
                    if (chunk == null) {
                        long maxBytes = 0;
                        for (Entry x : entries) maxBytes = Math.max(maxBytes, x.end - x.begin);
                        chunk = ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, maxBytes)).order(ByteOrder.LITTLE_ENDIAN);
                    }
                    readTensor(ch, bufferStart + e.begin, bytes, e.dtype, values, chunk, file);
                }
                tensors.put(e.name, new TensorData(e.dtypeCode, e.shape, values));
            }
            return new SafetensorsFile(tensors, metadata);
        }
    }

    private static void readTensor(FileChannel ch, long pos, long bytes, DType dt, float[] out,
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

    private static void convert(ByteBuffer b, DType dt, float[] out, int off, int n) {
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

    // ------------------------------------------------------------------------------------------
    // Header parsing
    // ------------------------------------------------------------------------------------------

    /** Parsed JSON number, kept as its source text so that no huge values are ever materialised. */
    private record Num(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** Stand-in for JSON null. */
    private enum JNull { INSTANCE; @Override public String toString() { return "null"; } }

    private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");

    private static List<Entry> parseHeader(String json, String file, Map<String, String> metadata)
            throws SafetensorsException {
        if (json.charAt(0) != '{') {
            throw fail(file, "header does not start with '{' (not a safetensors file?)");
        }
        Object root;
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            root = readJson(r, file);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw fail(file, "header has data after the JSON object");
            }
        } catch (SafetensorsException e) {
            throw e;
        } catch (EOFException e) {
            throw fail(file, "header JSON ends early (truncated header?)");
        } catch (IOException | RuntimeException e) {
            throw fail(file, "header is not valid JSON: " + JsonErrors.oneLine(e));
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw fail(file, "header is not a JSON object");
        }
        List<Entry> entries = new ArrayList<>();
        int index = 0;
        for (Map.Entry<?, ?> kv : top.entrySet()) {
            String name = (String) kv.getKey();
            Object value = kv.getValue();
            if (name.equals(METADATA_KEY)) {
                parseMetadata(value, file, metadata);
                continue;
            }
            entries.add(parseEntry(name, value, index++, file));
        }
        return entries;
    }

    private static void parseMetadata(Object value, String file, Map<String, String> metadata)
            throws SafetensorsException {
        if (value == JNull.INSTANCE) return;
        if (!(value instanceof Map<?, ?> m)) {
            throw fail(file, "__metadata__ is not a JSON object (got " + describe(value) + ")");
        }
        for (Map.Entry<?, ?> kv : m.entrySet()) {
            if (!(kv.getValue() instanceof String s)) {
                throw fail(file, "__metadata__ value for '" + kv.getKey() + "' is not a string (got "
                        + describe(kv.getValue()) + ")");
            }
            metadata.put((String) kv.getKey(), s);
        }
    }

    private static Entry parseEntry(String name, Object value, int index, String file) throws SafetensorsException {
        String t = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> m)) {
            throw fail(file, t + ": entry is not a JSON object (got " + describe(value) + ")");
        }
        Object dtypeObj = require(m, "dtype", t, file);
        Object shapeObj = require(m, "shape", t, file);
        Object offObj = require(m, "data_offsets", t, file);
        if (!(dtypeObj instanceof String code)) {
            throw fail(file, t + ": dtype is not a string (got " + describe(dtypeObj) + ")");
        }
        DType dt = DType.parse(code);
        if (dt == null) {
            if (UNSUPPORTED_DTYPES.contains(code)) {
                throw fail(file, t + " has dtype " + code + ", which is not supported (supported: " + SUPPORTED_LIST + ")");
            }
            throw fail(file, t + " has unknown dtype '" + code + "' (supported: " + SUPPORTED_LIST + ")");
        }
        if (!(shapeObj instanceof List<?> shapeList)) {
            throw fail(file, t + ": shape is not a JSON array (got " + describe(shapeObj) + ")");
        }
        int[] shape = new int[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = nonNegativeInteger(shapeList.get(i), t + ": shape dimension " + i, file);
            if (d > Integer.MAX_VALUE) {
                throw fail(file, t + ": shape dimension " + i + " is " + d + ", larger than 2^31-1");
            }
            shape[i] = (int) d;
        }
        if (!(offObj instanceof List<?> offList) || offList.size() != 2) {
            throw fail(file, t + ": data_offsets must be an array [begin, end] (got " + describe(offObj) + ")");
        }
        long begin = nonNegativeInteger(offList.get(0), t + ": data_offsets begin", file);
        long end = nonNegativeInteger(offList.get(1), t + ": data_offsets end", file);
        if (end < begin) {
            throw fail(file, t + " data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        long numel = TensorData.numel(shape);
        if (numel < 0) {
            throw fail(file, t + " shape " + TensorData.shapeString(shape)
                    + " has more elements than a Java array can hold (2^31-1)");
        }
        long bytes = numel * dt.size;
        if (end - begin != bytes) {
            throw fail(file, t + " data_offsets [" + begin + ", " + end + "] (" + (end - begin)
                    + " bytes) do not match shape " + TensorData.shapeString(shape) + " of " + code
                    + " (" + bytes + " bytes)");
        }
        return new Entry(name, dt, code, shape, (int) numel, begin, end, index);
    }

    private static Object require(Map<?, ?> m, String key, String what, String file) throws SafetensorsException {
        Object v = m.get(key);
        if (v == null) throw fail(file, what + ": missing field '" + key + "'");
        return v;
    }

    private static long nonNegativeInteger(Object v, String what, String file) throws SafetensorsException {
        if (!(v instanceof Num num) || !INTEGER.matcher(num.text()).matches()) {
            throw fail(file, what + " is not an integer (got " + describe(v) + ")");
        }
        String s = num.text();
        if (s.startsWith("-")) {
            throw fail(file, what + " is negative (" + s + ")");
        }
        String digits = s.replaceFirst("^0+(?=.)", "");
        if (digits.length() > 18) {
            throw fail(file, what + " is too large (" + abbreviate(s) + ")");
        }
        return Long.parseLong(digits);
    }

    /** Checks that the tensors' byte ranges tile the data buffer exactly; sorts entries by offset. */
    private static void checkLayout(List<Entry> entries, long bufferLen, String file) throws SafetensorsException {
        for (Entry e : entries) {
            if (e.end > bufferLen) {
                throw fail(file, "tensor '" + e.name + "' data_offsets [" + e.begin + ", " + e.end
                        + "] lie outside the data buffer of " + bufferLen + " bytes (file truncated?)");
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end)
                .thenComparingInt(Entry::headerIndex));
        long covered = 0;
        Entry last = null;      // the entry whose end is `covered`
        for (Entry e : entries) {
            if (e.begin < covered) {
                throw fail(file, "tensors '" + last.name + "' [" + last.begin + ", " + last.end + "] and '"
                        + e.name + "' [" + e.begin + ", " + e.end + "] have overlapping data_offsets");
            }
            if (e.begin > covered) {
                String before = last == null ? "the start of the data buffer"
                        : "tensor '" + last.name + "' (ends at " + covered + ")";
                throw fail(file, "gap of " + (e.begin - covered) + " unused bytes between " + before
                        + " and tensor '" + e.name + "' (begins at " + e.begin + ")");
            }
            if (e.end > covered || last == null) {
                covered = e.end;
                last = e;
            }
        }
        if (covered != bufferLen) {
            throw fail(file, "data buffer is " + bufferLen + " bytes but the tensors cover only " + covered
                    + " (" + (bufferLen - covered) + " trailing unused bytes)");
        }
    }

    /** Reads one JSON value as Map / List / String / Num / Boolean / JNull, refusing duplicate keys. */
    private static Object readJson(JsonReader r, String file) throws IOException {
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                r.beginObject();
                while (r.hasNext()) {
                    String k = r.nextName();
                    if (m.containsKey(k)) {
                        throw fail(file, "header has duplicate key '" + abbreviate(k) + "' (at " + r.getPath() + ")");
                    }
                    m.put(k, readJson(r, file));
                }
                r.endObject();
                return m;
            }
            case BEGIN_ARRAY -> {
                List<Object> l = new ArrayList<>();
                r.beginArray();
                while (r.hasNext()) l.add(readJson(r, file));
                r.endArray();
                return l;
            }
            case STRING -> {
                return r.nextString();
            }
            case NUMBER -> {
                return new Num(r.nextString());
            }
            case BOOLEAN -> {
                return r.nextBoolean();
            }
            case NULL -> {
                r.nextNull();
                return JNull.INSTANCE;
            }
            default -> throw new IOException("unexpected " + r.peek() + " at " + r.getPath());
        }
    }

    private static String describe(Object v) {
        if (v instanceof String s) return "string \"" + abbreviate(s) + "\"";
        if (v instanceof Num n) return "number " + abbreviate(n.text());
        if (v instanceof Boolean b) return "boolean " + b;
        if (v instanceof List<?> l) return "an array of " + l.size();
        if (v instanceof Map<?, ?>) return "an object";
        return String.valueOf(v);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }


    // ------------------------------------------------------------------------------------------
    // Writing
    // ------------------------------------------------------------------------------------------

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
        String code = dtype == null ? "null" : dtype.toUpperCase(Locale.ROOT);
        DType dt = switch (code) {
            case "F32" -> DType.F32;
            case "F16" -> DType.F16;
            case "BF16" -> DType.BF16;
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
                ByteBuffer chunk = ByteBuffer.allocate((int) Math.max(8, Math.min(CHUNK_BYTES, maxBytes)))
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

    private static byte[] buildHeader(Map<String, TensorData> tensors, Map<String, String> metadata, DType dt)
            throws IOException {
        StringWriter sw = new StringWriter();
        JsonWriter w = new JsonWriter(sw);
        w.setHtmlSafe(false);
        w.beginObject();
        if (metadata != null && !metadata.isEmpty()) {
            w.name(METADATA_KEY).beginObject();
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
            if (name == null || name.equals(METADATA_KEY)) {
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
        if (padded > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("safetensors header would be " + padded + " bytes, over the limit of "
                    + MAX_HEADER_BYTES);
        }
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    // ------------------------------------------------------------------------------------------

    private static String displayName(Path path) {
        Path name = path.getFileName();
        return name == null ? path.toString() : name.toString();
    }

    private static SafetensorsException fail(String file, String message) {
        return new SafetensorsException(file + ": " + message);
    }
}
