package org.timetuner4j.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ helpers

    /** A safetensors file from a header text (unpadded) and a data buffer. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, data);
    }

    private static byte[] file(long declaredLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        return b.array();
    }

    private static byte[] le(int bytesPerValue, long... values) {
        ByteBuffer b = ByteBuffer.allocate(bytesPerValue * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            switch (bytesPerValue) {
                case 1 -> b.put((byte) v);
                case 2 -> b.putShort((short) v);
                case 4 -> b.putInt((int) v);
                default -> b.putLong(v);
            }
        }
        return b.array();
    }

    private static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    private Path put(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private SafetensorsFile read(byte[] bytes) throws IOException {
        return Safetensors.read(put("t.safetensors", bytes));
    }

    /** Asserts that reading fails with a one-line SafetensorsException containing all fragments. */
    private SafetensorsException bad(byte[] bytes, String... fragments) throws IOException {
        Path p = put("bad.safetensors", bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Safetensors.read(p));
        String m = e.getMessage();
        assertTrue(m.startsWith("bad.safetensors: "), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "message '" + m + "' should contain '" + f + "'");
        return e;
    }

    /** Reads the header length and JSON of a file. */
    private static JsonObject header(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JsonParser.parseString(new String(b, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private static ByteBuffer dataBuffer(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return ByteBuffer.wrap(b, (int) (8 + n), (int) (b.length - 8 - n)).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static Map<String, TensorData> sample() {
        Random r = new Random(1);
        float[] w = new float[2 * 3 * 3 * 3];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        Map<String, TensorData> m = new LinkedHashMap<>();
        m.put("conv_in.weight", TensorData.f32(w, 2, 3, 3, 3));
        m.put("conv_in.bias", TensorData.f32(new float[] {0.5f, -1f}, 2));
        m.put("scalar", TensorData.f32(new float[] {42f}));
        m.put("empty", TensorData.f32(new float[0], 0, 3));
        m.put("a", TensorData.f32(new float[] {1, 2, 3}, 3));
        return m;
    }

    // ------------------------------------------------------------------ conversions

    @Test
    void f16KnownValues() {
        assertEquals(0x3C00, HalfFloats.floatToF16(1.0f) & 0xFFFF);
        assertEquals(0xC100, HalfFloats.floatToF16(-2.5f) & 0xFFFF);
        assertEquals(0x7BFF, HalfFloats.floatToF16(65504f) & 0xFFFF);
        assertEquals(0x7BFF, HalfFloats.floatToF16(65519.99f) & 0xFFFF);
        assertEquals(0x7C00, HalfFloats.floatToF16(65520f) & 0xFFFF);              // tie -> even -> inf
        assertEquals(0x0400, HalfFloats.floatToF16(0x1p-14f) & 0xFFFF);            // 6.1035156e-5, smallest normal
        assertEquals(0x03FF, HalfFloats.floatToF16(6.1e-5f) & 0xFFFF);             // largest subnormal
        assertEquals(0x0001, HalfFloats.floatToF16(0x1p-24f) & 0xFFFF);            // smallest subnormal
        assertEquals(0x0000, HalfFloats.floatToF16(0x1p-25f) & 0xFFFF);            // tie -> even -> 0
        assertEquals(0x0001, HalfFloats.floatToF16(0x1.8p-25f) & 0xFFFF);
        assertEquals(0x8000, HalfFloats.floatToF16(-0.0f) & 0xFFFF);
        assertEquals(0x8000, HalfFloats.floatToF16(-Float.MIN_VALUE) & 0xFFFF);
        assertEquals(0x2E66, HalfFloats.floatToF16(0.1f) & 0xFFFF);
        assertEquals(0x3555, HalfFloats.floatToF16(1f / 3) & 0xFFFF);
        assertEquals(0xFC00, HalfFloats.floatToF16(Float.NEGATIVE_INFINITY) & 0xFFFF);
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(Float.NaN))));

        assertEquals(1.0f, HalfFloats.f16ToFloat(0x3C00));
        assertEquals(-2.5f, HalfFloats.f16ToFloat(0xC100));
        assertEquals(65504f, HalfFloats.f16ToFloat(0x7BFF));
        assertEquals(0x1p-24f, HalfFloats.f16ToFloat(0x0001));
        assertEquals(0x3FFp-24f, HalfFloats.f16ToFloat(0x03FF));
        assertEquals(6.1035156e-5f, HalfFloats.f16ToFloat(0x0400));
        assertEquals(0.0999755859375f, HalfFloats.f16ToFloat(0x2E66));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(HalfFloats.f16ToFloat(0x8000)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToFloat(0x7C00));
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(0x7E00)));
        assertTrue(Float.isNaN(HalfFloats.f16ToFloat(0xFC01)));
    }

    @Test
    void f16ExhaustiveRoundTripAndTiesToEven() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.f16ToFloat(h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(HalfFloats.f16ToFloat(HalfFloats.floatToF16(f))));
                continue;
            }
            assertEquals(h, HalfFloats.floatToF16(f) & 0xFFFF, "pattern " + Integer.toHexString(h));
            // Midpoint between h and the next larger magnitude: exactly representable in float32.
            int mag = h & 0x7FFF;
            if (mag < 0x7BFF) {
                float next = HalfFloats.f16ToFloat(h + 1);
                float mid = (f + next) / 2;
                int even = (h & 1) == 0 ? h : h + 1;
                assertEquals(even, HalfFloats.floatToF16(mid) & 0xFFFF, "tie at " + Integer.toHexString(h));
                assertEquals(h, HalfFloats.floatToF16(Float.intBitsToFloat(Float.floatToRawIntBits(mid) - 1)) & 0xFFFF);
                assertEquals(h + 1, HalfFloats.floatToF16(Float.intBitsToFloat(Float.floatToRawIntBits(mid) + 1)) & 0xFFFF);
            }
        }
    }

    @Test
    void bf16Rounding() {
        assertEquals(0x3F80, HalfFloats.floatToBf16(1.0f) & 0xFFFF);
        assertEquals(0xC020, HalfFloats.floatToBf16(-2.5f) & 0xFFFF);
        assertEquals(0x3F80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808000)) & 0xFFFF);  // tie -> even (down)
        assertEquals(0x3F82, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F818000)) & 0xFFFF);  // tie -> even (up)
        assertEquals(0x3F81, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F808001)) & 0xFFFF);
        assertEquals(0x3F80, HalfFloats.floatToBf16(Float.intBitsToFloat(0x3F807FFF)) & 0xFFFF);
        assertEquals(0xBF82, HalfFloats.floatToBf16(Float.intBitsToFloat(0xBF818000)) & 0xFFFF);
        assertEquals(0x7F80, HalfFloats.floatToBf16(Float.MAX_VALUE) & 0xFFFF);                      // overflow -> inf
        assertEquals(0x3DCD, HalfFloats.floatToBf16(0.1f) & 0xFFFF);
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.NaN))));
        assertTrue(Float.isNaN(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(Float.intBitsToFloat(0x7F800001)))));
        assertEquals(1.0078125f, HalfFloats.bf16ToFloat(0x3F81));
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloats.bf16ToFloat(h);
            if (!Float.isNaN(f)) assertEquals(h, HalfFloats.floatToBf16(f) & 0xFFFF);
        }
    }

    // ------------------------------------------------------------------ write / read

    @Test
    void f32RoundTripIsBitExact() throws IOException {
        float[] special = {0f, -0f, 1f, -2.5f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NEGATIVE_INFINITY,
                Float.intBitsToFloat(0x7FC01234), 1e-40f};
        Map<String, TensorData> m = sample();
        m.put("special", TensorData.f32(special, 3, 3));
        Path p = dir.resolve("rt.safetensors");
        Safetensors.write(p, m, Map.of("format", "pt"), "F32");
        SafetensorsFile f = Safetensors.read(p);
        assertEquals(new ArrayList<>(m.keySet()), new ArrayList<>(f.tensors().keySet()));
        for (String k : m.keySet()) {
            TensorData a = m.get(k), b = f.get(k);
            assertEquals("F32", b.dtype());
            assertArrayEquals(a.shape(), b.shape(), k);
            for (int i = 0; i < a.numel(); i++) {
                assertEquals(Float.floatToRawIntBits(a.values()[i]), Float.floatToRawIntBits(b.values()[i]), k + "[" + i + "]");
            }
        }
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertArrayEquals(new int[0], f.get("scalar").shape());
        assertEquals(1, f.get("scalar").numel());
        assertEquals("[]", f.get("scalar").shapeString());
        assertArrayEquals(new int[] {0, 3}, f.get("empty").shape());
        assertEquals(0, f.get("empty").numel());
        assertArrayEquals(new int[] {2, 3, 3, 3}, f.shapes().get("conv_in.weight"));
    }

    @Test
    void f16FileHasExactBitsAndValues() throws IOException {
        float[] v = {1.0f, -2.5f, 65504f, 6.1e-5f, 0x1p-14f, 0x1p-24f, 0x1p-25f, 1e6f, 0.1f, -0f};
        int[] bits = {0x3C00, 0xC100, 0x7BFF, 0x03FF, 0x0400, 0x0001, 0x0000, 0x7C00, 0x2E66, 0x8000};
        Path p = dir.resolve("h.safetensors");
        Safetensors.write(p, Map.of("x", TensorData.f32(v, 2, 5)), null, "F16");
        JsonObject h = header(p);
        assertEquals("F16", h.getAsJsonObject("x").get("dtype").getAsString());
        assertEquals("[0,20]", h.getAsJsonObject("x").get("data_offsets").toString());
        assertFalse(h.has("__metadata__"));
        ByteBuffer d = dataBuffer(p);
        assertEquals(20, d.remaining());
        for (int i = 0; i < v.length; i++) assertEquals(bits[i], d.getShort(2 * i) & 0xFFFF, "element " + i);
        TensorData t = Safetensors.read(p).get("x");
        assertEquals("F16", t.dtype());
        for (int i = 0; i < v.length; i++) assertEquals(HalfFloats.f16ToFloat(bits[i]), t.values()[i]);
        assertEquals(65504f, t.values()[2]);
        assertEquals(0x3FFp-24f, t.values()[3]);
        assertEquals(Float.POSITIVE_INFINITY, t.values()[7]);
        assertTrue(Safetensors.read(p).metadata().isEmpty());
    }

    @Test
    void bf16FileHasExactBitsAndValues() throws IOException {
        float[] v = {1.0f, -2.5f, Float.intBitsToFloat(0x3F808000), Float.intBitsToFloat(0x3F818000),
                Float.intBitsToFloat(0x3F808001), 0.1f};
        int[] bits = {0x3F80, 0xC020, 0x3F80, 0x3F82, 0x3F81, 0x3DCD};
        Path p = dir.resolve("b.safetensors");
        Safetensors.write(p, Map.of("x", TensorData.f32(v, 6)), Map.of(), "bf16");
        ByteBuffer d = dataBuffer(p);
        for (int i = 0; i < v.length; i++) assertEquals(bits[i], d.getShort(2 * i) & 0xFFFF, "element " + i);
        TensorData t = Safetensors.read(p).get("x");
        assertEquals("BF16", t.dtype());
        assertEquals(1.0f, t.values()[2]);
        assertEquals(1.015625f, t.values()[3]);
        assertEquals(1.0078125f, t.values()[4]);
    }

    @Test
    void headerIsPaddedAndOffsetsTileInInsertionOrder() throws IOException {
        for (String dt : new String[] {"F32", "F16", "BF16"}) {
            for (int extra = 0; extra < 9; extra++) {
                Map<String, TensorData> m = sample();
                m.put("n" + "x".repeat(extra), TensorData.f32(new float[extra], extra));
                Path p = dir.resolve("pad.safetensors");
                Safetensors.write(p, m, Map.of("k", "v".repeat(extra)), dt);
                byte[] b = Files.readAllBytes(p);
                long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
                assertEquals(0, (8 + n) % 8);
                String text = new String(b, 8, (int) n, StandardCharsets.UTF_8);
                String trimmed = text.stripTrailing();
                assertTrue(text.substring(trimmed.length()).chars().allMatch(c -> c == ' '));
                assertTrue(text.length() - trimmed.length() < 8);
                JsonObject h = header(p);
                assertEquals("v".repeat(extra), h.getAsJsonObject("__metadata__").get("k").getAsString());
                long offset = 0;
                int size = dt.equals("F32") ? 4 : 2;
                for (Map.Entry<String, TensorData> e : m.entrySet()) {
                    JsonObject t = h.getAsJsonObject(e.getKey());
                    assertEquals(dt, t.get("dtype").getAsString());
                    assertEquals(offset, t.getAsJsonArray("data_offsets").get(0).getAsLong());
                    offset += (long) e.getValue().numel() * size;
                    assertEquals(offset, t.getAsJsonArray("data_offsets").get(1).getAsLong());
                }
                assertEquals(b.length - 8 - n, offset);
                assertEquals(m.keySet(), Safetensors.read(p).tensors().keySet());
            }
        }
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("model.safetensors");
        Files.writeString(p, "old contents");
        Safetensors.write(p, sample(), Map.of("a", "b", "unicode \u00e9\"\\", "\u2028 \n"), "F16");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(p.getFileName().toString()), s.map(x -> x.getFileName().toString()).toList());
        }
        assertEquals(Map.of("a", "b", "unicode \u00e9\"\\", "\u2028 \n"), Safetensors.read(p).metadata());
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(p, sample(), null, "F64"));
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("__metadata__", TensorData.f32(new float[1])), null, "F32"));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void namesAreKeptVerbatim() throws IOException {
        Map<String, TensorData> m = new LinkedHashMap<>();
        m.put("we\"ird\\name \u00e9\u4e2d", TensorData.f32(new float[] {1}, 1));
        m.put("", TensorData.f32(new float[] {2}, 1));
        Path p = dir.resolve("n.safetensors");
        Safetensors.write(p, m, null, "F32");
        assertEquals(m, Safetensors.read(p).tensors());
    }

    @Test
    void readsAllSupportedDtypes() throws IOException {
        byte[] f64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-1e300).array();
        String[][] specs = {
                {"f64", "F64", "16"}, {"i64", "I64", "16"}, {"i32", "I32", "8"}, {"i16", "I16", "4"},
                {"i8", "I8", "2"}, {"u8", "U8", "2"}, {"bool", "BOOL", "2"}, {"u16", "U16", "4"},
                {"u32", "U32", "8"}, {"u64", "U64", "16"}, {"f16", "F16", "4"}, {"bf16", "BF16", "4"},
                {"f32", "F32", "8"}};
        byte[][] data = {
                f64, le(8, -3, 1L << 40), le(4, -7, 123456789), le(2, -32768, 32767), le(1, -128, 127),
                le(1, 255, 7), le(1, 0, 1), le(2, 65535, 1), le(4, 0xFFFFFFFFL, 3), le(8, -1L, 5),
                le(2, 0x3C00, 0xC100), le(2, 0x3F80, 0xC020), f32(1.5f, -0f)};
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (int i = 0; i < specs.length; i++) {
            long len = Long.parseLong(specs[i][2]);
            h.append(i == 0 ? "" : ",").append('"').append(specs[i][0]).append("\":{\"dtype\":\"").append(specs[i][1])
                    .append("\",\"shape\":[2],\"data_offsets\":[").append(off).append(',').append(off + len).append("]}");
            off += len;
        }
        h.append(",\"__metadata__\":{\"format\":\"pt\"}}   ");
        SafetensorsFile f = read(file(h.toString(), concat(data)));
        assertArrayEquals(new float[] {0.1f, Float.NEGATIVE_INFINITY}, f.get("f64").values());
        assertArrayEquals(new float[] {-3f, 0x1p40f}, f.get("i64").values());
        assertArrayEquals(new float[] {-7f, 123456789f}, f.get("i32").values());
        assertArrayEquals(new float[] {-32768f, 32767f}, f.get("i16").values());
        assertArrayEquals(new float[] {-128f, 127f}, f.get("i8").values());
        assertArrayEquals(new float[] {255f, 7f}, f.get("u8").values());
        assertArrayEquals(new float[] {0f, 1f}, f.get("bool").values());
        assertArrayEquals(new float[] {65535f, 1f}, f.get("u16").values());
        assertArrayEquals(new float[] {4294967295f, 3f}, f.get("u32").values());
        assertArrayEquals(new float[] {0x1p64f, 5f}, f.get("u64").values());
        assertArrayEquals(new float[] {1f, -2.5f}, f.get("f16").values());
        assertArrayEquals(new float[] {1f, -2.5f}, f.get("bf16").values());
        assertArrayEquals(new float[] {1.5f, -0f}, f.get("f32").values());
        assertEquals("I16", f.get("i16").dtype());
        assertEquals(Map.of("format", "pt"), f.metadata());
    }

    @Test
    void tensorsComeInFileOffsetOrder() throws IOException {
        String h = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafetensorsFile f = read(file(h, f32(1f, 2f)));
        assertEquals(List.of("a", "z", "b"), new ArrayList<>(f.tensors().keySet()));
        assertEquals(2f, f.get("b").values()[0]);
        assertEquals(0, f.get("z").numel());
        // an empty file: no tensors, no buffer
        assertTrue(read(file("{}", new byte[0])).tensors().isEmpty());
        assertTrue(read(file("{\"__metadata__\":null}", new byte[0])).metadata().isEmpty());
    }

    @Test
    void readsLargeTensorsInChunks() throws IOException {
        int n = (1 << 21) + 3;                    // 8 MiB + 12 bytes of F32: spans several read chunks
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i * 0.5f;
        Path p = dir.resolve("big.safetensors");
        Safetensors.write(p, Map.of("w", TensorData.f32(v, n)), null, "F32");
        assertArrayEquals(v, Safetensors.read(p).get("w").values());
        Safetensors.write(p, Map.of("w", TensorData.f32(v, n)), null, "BF16");
        float[] r = Safetensors.read(p).get("w").values();
        for (int i = 0; i < n; i += 9973) assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v[i])), r[i]);
        assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(v[n - 1])), r[n - 1]);
    }

    // ------------------------------------------------------------------ corrupt files

    private static final String ONE = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void truncatedAtEveryPosition() throws IOException {
        Path p = dir.resolve("full.safetensors");
        Safetensors.write(p, sample(), Map.of("format", "pt"), "F16");
        byte[] full = Files.readAllBytes(p);
        for (int len = 0; len < full.length; len++) {
            bad(Arrays.copyOf(full, len));
        }
        bad(new byte[0], "0 bytes long");
        bad(new byte[7], "7 bytes long");
        bad(Arrays.copyOf(full, full.length - 1), "outside the data buffer");
        bad(Arrays.copyOf(full, 40), "header length", "exceeds");
        // and one byte too many
        bad(Arrays.copyOf(full, full.length + 1), "1 trailing unused bytes");
    }

    @Test
    void headerLengthOutOfRange() throws IOException {
        byte[] h = ONE.getBytes(StandardCharsets.UTF_8);
        bad(file(-1L, h, f32(1, 2)), "18446744073709551615", "limit");
        bad(file(Long.MIN_VALUE, h, f32(1, 2)), "limit");
        bad(file(100_000_001L, h, f32(1, 2)), "100000001", "limit");
        // a PNG's signature read as a header length: named as what it is
        bad(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'}, "not a safetensors file: it is a PNG image");
        bad(file(99_999_999L, h, f32(1, 2)), "exceeds", "truncated");
        bad(file(h.length + 9, h, f32(1, 2)), "exceeds");
        bad(file(0, h, f32(1, 2)), "too short");
        bad(file(1, h, f32(1, 2)), "too short");
        bad(file(h.length - 1, h, f32(1, 2)), "JSON");
    }

    @Test
    void layoutErrors() throws IOException {
        String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[%d,%d]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[%d,%d]}}";
        bad(file(String.format(two, 0, 8, 4, 12), new byte[12]), "'a' [0, 8]", "'b' [4, 12]", "overlapping");
        bad(file(String.format(two, 0, 8, 0, 8), new byte[8]), "overlapping");
        bad(file(String.format(two, 0, 8, 12, 20), new byte[20]), "gap of 4 unused bytes", "'a' (ends at 8)", "'b' (begins at 12)");
        bad(file(String.format(two, 4, 12, 12, 20), new byte[20]), "gap of 4", "start of the data buffer");
        bad(file(String.format(two, 0, 8, 8, 16), new byte[20]), "20 bytes", "4 trailing unused bytes");
        bad(file(String.format(two, 0, 8, 8, 16), new byte[12]), "'b' data_offsets [8, 16] lie outside the data buffer of 12 bytes");
        bad(file(String.format(two, 0, 8, 8, 12), new byte[12]), "tensor 'b' data_offsets [8, 12] (4 bytes) do not match shape [2] of F32 (8 bytes)");
        bad(file("{\"conv_in.weight\":{\"dtype\":\"F32\",\"shape\":[32,3,3,3],\"data_offsets\":[0,100]}}", new byte[100]),
                "tensor 'conv_in.weight' data_offsets [0, 100] (100 bytes) do not match shape [32, 3, 3, 3] of F32 (3456 bytes)");
        bad(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8]), "end before they begin");
        bad(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", new byte[8]), "data_offsets must be an array");
        bad(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", new byte[8]), "data_offsets");
        bad(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", new byte[8]), "negative");
        bad(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", new byte[8]), "too large");
        bad(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8e0]}}", new byte[8]), "not an integer");
    }

    @Test
    void shapeErrors() throws IOException {
        String t = "{\"w\":{\"dtype\":\"F32\",\"shape\":%s,\"data_offsets\":[0,8]}}";
        bad(file(String.format(t, "[-2]"), new byte[8]), "tensor 'w'", "shape dimension 0", "negative");
        bad(file(String.format(t, "[2.0]"), new byte[8]), "not an integer");
        bad(file(String.format(t, "[\"2\"]"), new byte[8]), "not an integer");
        bad(file(String.format(t, "2"), new byte[8]), "shape is not a JSON array");
        bad(file(String.format(t, "[4294967296]"), new byte[8]), "larger than 2^31-1");
        bad(file(String.format(t, "[65536,65536,65536]"), new byte[8]), "more elements than a Java array can hold");
        bad(file(String.format(t, "[2147483647,2147483647,2147483647,2147483647,2147483647]"), new byte[8]), "more elements");
        bad(file(String.format(t, "[1,2,null]"), new byte[8]), "not an integer", "null");
        // an element count that fits, whose byte size does not match the (small) buffer: no allocation happens
        bad(file("{\"w\":{\"dtype\":\"F64\",\"shape\":[268435455],\"data_offsets\":[0,2147483640]}}", new byte[8]),
                "outside the data buffer");
    }

    @Test
    void dtypeErrors() throws IOException {
        bad(file("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]),
                "tensor 'w' has dtype F8_E4M3, which is not supported");
        bad(file("{\"w\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]), "'w'", "C64", "not supported");
        bad(file("{\"w\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[0,1]}}", new byte[1]), "F4");
        bad(file("{\"w\":{\"dtype\":\"float32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "unknown dtype 'float32'");
        bad(file("{\"w\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "dtype is not a string");
    }

    @Test
    void structureErrors() throws IOException {
        bad(file("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]), "tensor 'w'", "missing field 'dtype'");
        bad(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", new byte[8]), "missing field 'shape'");
        bad(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8]), "missing field 'data_offsets'");
        bad(file("{\"w\":[1,2]}", new byte[0]), "tensor 'w'", "not a JSON object");
        bad(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[8,16]}}", new byte[16]), "duplicate key 'w'");
        bad(file("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]),
                "duplicate key 'dtype'");
        bad(file("{\"__metadata__\":{\"a\":1}," + ONE.substring(1), new byte[8]), "__metadata__", "'a'", "not a string");
        bad(file("{\"__metadata__\":[]," + ONE.substring(1), new byte[8]), "__metadata__ is not a JSON object");
        bad(file("[]", new byte[0]), "does not start with '{'");
        bad(file(" {}", new byte[0]), "does not start with '{'");
        bad(file("{\"a\":1}", new byte[0]), "tensor 'a'", "not a JSON object");
        bad(file("{\"w\":", new byte[0]), "JSON");
        bad(file("{w:1}", new byte[0]), "not valid JSON");
        bad(file("{\"a\":NaN}", new byte[0]), "not valid JSON");
        bad(file("{\"a\":'x'}", new byte[0]), "not valid JSON");
        bad(file("{} {}", new byte[0]), "JSON");
        bad(file("{}\u0000\u0000", new byte[0]), "JSON");
        bad(file("{" + "\"a\":[".repeat(1) + "[".repeat(100_000) + "]}", new byte[0]), "not valid JSON");
        byte[] latin1 = "{\"\u00ff\u00fe\":1}    ".getBytes(StandardCharsets.ISO_8859_1);
        bad(file(latin1.length, latin1, new byte[0]), "not valid UTF-8");
        bad("PK\u0003\u0004 this is a zip".getBytes(StandardCharsets.ISO_8859_1), "it is a zip archive", "convert");
        bad(new byte[] {(byte) 0x80, 2, 'c', 'x', 'x', 'x', 'x', 'x', 'x', 'x'}, "it is a pickle");
    }

    @Test
    void randomHeaderCorruptionOnlyEverThrowsSafetensorsException() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        Safetensors.write(p, sample(), Map.of("format", "pt"), "F32");
        byte[] good = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Random r = new Random(42);
        byte[] alphabet = "{}[]\":,0123456789-.eE ntfu\\FBI".getBytes(StandardCharsets.US_ASCII);
        int failures = 0;
        for (int iter = 0; iter < 3000; iter++) {
            byte[] b = good.clone();
            int edits = 1 + r.nextInt(3);
            for (int k = 0; k < edits; k++) {
                int pos = r.nextInt(iter % 10 == 0 ? 8 : (int) n + 8);
                b[pos] = r.nextBoolean() ? alphabet[r.nextInt(alphabet.length)] : (byte) r.nextInt(256);
            }
            Path q = put("fuzz.safetensors", b);
            try {
                Safetensors.read(q);
            } catch (SafetensorsException e) {
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                failures++;
            }
        }
        assertTrue(failures > 2000, "most corruptions should be detected: " + failures);
    }

    // ------------------------------------------------------------------ fixture written by numpy

    /**
     * {@code tools/make_safetensors_fixture.py} writes this file with Python's struct module and
     * numpy (numpy's float16 conversion rounds to nearest even; BF16 is packed by hand from the
     * float32 bits); its header is unpadded, its data unaligned, its tensors not in name order.
     */
    @Test
    void readsFixtureWrittenByPython() throws IOException {
        Path p = dir.resolve("fixture.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/fixtures/safetensors-dtypes.safetensors")) {
            assertNotNull(in, "fixture missing");
            Files.copy(in, p);
        }
        SafetensorsFile f = Safetensors.read(p);
        assertEquals(Map.of("format", "pt", "source", "tools/make_safetensors_fixture.py"), f.metadata());
        float[] src = f.get("source_f32").values();
        assertArrayEquals(new int[] {2, 3, 4}, f.get("source_f32").shape());
        TensorData h = f.get("as_f16");
        TensorData b = f.get("as_bf16");
        assertEquals("F16", h.dtype());
        assertEquals("BF16", b.dtype());
        assertArrayEquals(new int[] {2, 3, 4}, h.shape());
        for (int i = 0; i < src.length; i++) {
            assertEquals(HalfFloats.f16ToFloat(HalfFloats.floatToF16(src[i])), h.values()[i], "f16[" + i + "] of " + src[i]);
            assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(src[i])), b.values()[i], "bf16[" + i + "] of " + src[i]);
        }
        assertArrayEquals(new float[] {1f, -2.5f, 65504f, 0x3FFp-24f, 0x1p-24f, 0f, Float.POSITIVE_INFINITY, 0.0999755859375f},
                f.get("known_f16").values());
        assertArrayEquals(new float[] {3.14159265358979f}, f.get("scalar_f64").values());
        assertArrayEquals(new int[0], f.get("scalar_f64").shape());
        assertArrayEquals(new float[] {-5f, 0f, 7f}, f.get("ints_i64").values());
        assertArrayEquals(new int[] {0, 4}, f.get("empty_f32").shape());
    }
}
