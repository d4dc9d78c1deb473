package org.timetuner4j.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.EOFException;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Parses and checks a safetensors header: the JSON (strict, no duplicate keys, numbers kept as
 * text), each tensor's dtype, shape and byte range, the metadata, and that the ranges tile the
 * data buffer exactly.
 */
final class SafetensorsHeader {
    private SafetensorsHeader() {}

    static final String METADATA_KEY = "__metadata__";

    /** One tensor of the header. */
    record Entry(String name, SafetensorsDType dtype, String dtypeCode, int[] shape, int numel,
                 long begin, long end, int headerIndex) {}

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

    static List<Entry> parseHeader(String json, String file, Map<String, String> metadata)
            throws SafetensorsException {
        if (json.charAt(0) != '{') {
            throw Safetensors.fail(file, "header does not start with '{' (not a safetensors file?)");
        }
        Object root;
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            root = readJson(r, file);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw Safetensors.fail(file, "header has data after the JSON object");
            }
        } catch (SafetensorsException e) {
            throw e;
        } catch (EOFException e) {
            throw Safetensors.fail(file, "header JSON ends early (truncated header?)");
        } catch (IOException | RuntimeException e) {
            throw Safetensors.fail(file, "header is not valid JSON: " + JsonErrors.oneLine(e));
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw Safetensors.fail(file, "header is not a JSON object");
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
            throw Safetensors.fail(file, "__metadata__ is not a JSON object (got " + describe(value) + ")");
        }
        for (Map.Entry<?, ?> kv : m.entrySet()) {
            if (!(kv.getValue() instanceof String s)) {
                throw Safetensors.fail(file, "__metadata__ value for '" + kv.getKey() + "' is not a string (got "
                        + describe(kv.getValue()) + ")");
            }
            metadata.put((String) kv.getKey(), s);
        }
    }

    private static Entry parseEntry(String name, Object value, int index, String file) throws SafetensorsException {
        String t = "tensor '" + name + "'";
        if (!(value instanceof Map<?, ?> m)) {
            throw Safetensors.fail(file, t + ": entry is not a JSON object (got " + describe(value) + ")");
        }
        Object dtypeObj = require(m, "dtype", t, file);
        Object shapeObj = require(m, "shape", t, file);
        Object offObj = require(m, "data_offsets", t, file);
        if (!(dtypeObj instanceof String code)) {
            throw Safetensors.fail(file, t + ": dtype is not a string (got " + describe(dtypeObj) + ")");
        }
        SafetensorsDType dt = SafetensorsDType.parse(code);
        if (dt == null) {
            if (SafetensorsDType.UNSUPPORTED.contains(code)) {
                throw Safetensors.fail(file, t + " has dtype " + code + ", which is not supported (supported: " + SafetensorsDType.SUPPORTED_LIST + ")");
            }
            throw Safetensors.fail(file, t + " has unknown dtype '" + code + "' (supported: " + SafetensorsDType.SUPPORTED_LIST + ")");
        }
        if (!(shapeObj instanceof List<?> shapeList)) {
            throw Safetensors.fail(file, t + ": shape is not a JSON array (got " + describe(shapeObj) + ")");
        }
        int[] shape = new int[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = nonNegativeInteger(shapeList.get(i), t + ": shape dimension " + i, file);
            if (d > Integer.MAX_VALUE) {
                throw Safetensors.fail(file, t + ": shape dimension " + i + " is " + d + ", larger than 2^31-1");
            }
            shape[i] = (int) d;
        }
        if (!(offObj instanceof List<?> offList) || offList.size() != 2) {
            throw Safetensors.fail(file, t + ": data_offsets must be an array [begin, end] (got " + describe(offObj) + ")");
        }
        long begin = nonNegativeInteger(offList.get(0), t + ": data_offsets begin", file);
        long end = nonNegativeInteger(offList.get(1), t + ": data_offsets end", file);
        if (end < begin) {
            throw Safetensors.fail(file, t + " data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        long numel = TensorData.numel(shape);
        if (numel < 0) {
            throw Safetensors.fail(file, t + " shape " + TensorData.shapeString(shape)
                    + " has more elements than a Java array can hold (2^31-1)");
        }
        long bytes = numel * dt.size;
        if (end - begin != bytes) {
            throw Safetensors.fail(file, t + " data_offsets [" + begin + ", " + end + "] (" + (end - begin)
                    + " bytes) do not match shape " + TensorData.shapeString(shape) + " of " + code
                    + " (" + bytes + " bytes)");
        }
        return new Entry(name, dt, code, shape, (int) numel, begin, end, index);
    }

    private static Object require(Map<?, ?> m, String key, String what, String file) throws SafetensorsException {
        Object v = m.get(key);
        if (v == null) throw Safetensors.fail(file, what + ": missing field '" + key + "'");
        return v;
    }

    private static long nonNegativeInteger(Object v, String what, String file) throws SafetensorsException {
        if (!(v instanceof Num num) || !INTEGER.matcher(num.text()).matches()) {
            throw Safetensors.fail(file, what + " is not an integer (got " + describe(v) + ")");
        }
        String s = num.text();
        if (s.startsWith("-")) {
            throw Safetensors.fail(file, what + " is negative (" + s + ")");
        }
        String digits = s.replaceFirst("^0+(?=.)", "");
        if (digits.length() > 18) {
            throw Safetensors.fail(file, what + " is too large (" + abbreviate(s) + ")");
        }
        return Long.parseLong(digits);
    }

    /** Checks that the tensors' byte ranges tile the data buffer exactly; sorts entries by offset. */
    static void checkLayout(List<Entry> entries, long bufferLen, String file) throws SafetensorsException {
        for (Entry e : entries) {
            if (e.end() > bufferLen) {
                throw Safetensors.fail(file, "tensor '" + e.name() + "' data_offsets [" + e.begin() + ", " + e.end()
                        + "] lie outside the data buffer of " + bufferLen + " bytes (file truncated?)");
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end)
                .thenComparingInt(Entry::headerIndex));
        long covered = 0;
        Entry last = null;      // the entry whose end is `covered`
        for (Entry e : entries) {
            if (e.begin() < covered) {
                throw Safetensors.fail(file, "tensors '" + last.name + "' [" + last.begin + ", " + last.end + "] and '"
                        + e.name() + "' [" + e.begin() + ", " + e.end() + "] have overlapping data_offsets");
            }
            if (e.begin() > covered) {
                String before = last == null ? "the start of the data buffer"
                        : "tensor '" + last.name + "' (ends at " + covered + ")";
                throw Safetensors.fail(file, "gap of " + (e.begin() - covered) + " unused bytes between " + before
                        + " and tensor '" + e.name() + "' (begins at " + e.begin() + ")");
            }
            if (e.end() > covered || last == null) {
                covered = e.end();
                last = e;
            }
        }
        if (covered != bufferLen) {
            throw Safetensors.fail(file, "data buffer is " + bufferLen + " bytes but the tensors cover only " + covered
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
                        throw Safetensors.fail(file, "header has duplicate key '" + abbreviate(k) + "' (at " + r.getPath() + ")");
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
}
