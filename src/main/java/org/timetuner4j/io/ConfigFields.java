package org.timetuner4j.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Field lookup over the top level, {@code model} and {@code data}, with synonyms. */
final class ConfigFields {
    private final List<String> scopeNames = new ArrayList<>();
    private final List<JsonObject> scopes = new ArrayList<>();

    ConfigFields(JsonObject root) {
        scopeNames.add("");
        scopes.add(root);
        for (String nested : new String[] {"model", "data"}) {
            JsonElement e = root.get(nested);
            if (e != null && e.isJsonObject()) {
                scopeNames.add(nested + ".");
                scopes.add(e.getAsJsonObject());
            }
        }
    }

    /** The single value given for a field under any of its names; conflicting values are an error. */
    private Map.Entry<String, JsonElement> find(String... names) {
        String foundName = null;
        JsonElement found = null;
        for (int s = 0; s < scopes.size(); s++) {
            for (String n : names) {
                JsonElement e = scopes.get(s).get(n);
                if (e == null) continue;
                String where = scopeNames.get(s) + n;
                if (found == null) {
                    found = e;
                    foundName = where;
                } else if (!found.equals(e) && !numericallyEqual(found, e)) {
                    throw new IllegalArgumentException("UNet config gives conflicting values for " + names[0] + ": "
                            + foundName + " = " + found + " but " + where + " = " + e);
                }
            }
        }
        return found == null ? null : Map.entry(foundName, found);
    }

    private static boolean numericallyEqual(JsonElement a, JsonElement b) {
        if (a.isJsonPrimitive() && b.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber()
                && b.getAsJsonPrimitive().isNumber()) {
            return a.getAsBigDecimal().compareTo(b.getAsBigDecimal()) == 0;
        }
        return false;
    }

    private static IllegalArgumentException missing(String... names) {
        String alt = names.length > 1 ? " (or '" + String.join("', '", Arrays.asList(names).subList(1, names.length)) + "')" : "";
        return new IllegalArgumentException("UNet config is missing required field '" + names[0] + "'" + alt);
    }

    int integer(String... names) {
        Integer v = integerOrNull(names);
        if (v == null) throw missing(names);
        return v;
    }

    Integer integerOrNull(String... names) {
        Map.Entry<String, JsonElement> e = find(names);
        if (e == null || e.getValue().isJsonNull()) return null;
        return toInt(e.getValue(), e.getKey());
    }

    int[] intList(boolean required, String... names) {
        Map.Entry<String, JsonElement> e = find(names);
        if (e == null || e.getValue().isJsonNull()) {
            if (required) throw missing(names);
            return null;
        }
        JsonElement v = e.getValue();
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) return new int[] {toInt(v, e.getKey())};
        if (!v.isJsonArray()) {
            throw new IllegalArgumentException("UNet config field '" + e.getKey() + "' must be a list of integers, got " + v);
        }
        JsonArray a = v.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = toInt(a.get(i), e.getKey() + "[" + i + "]");
        return out;
    }

    Double number(String... names) {
        Map.Entry<String, JsonElement> e = find(names);
        if (e == null || e.getValue().isJsonNull()) return null;
        JsonElement v = e.getValue();
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException("UNet config field '" + e.getKey() + "' must be a number, got " + v);
        }
        return v.getAsDouble();
    }

    Boolean bool(String... names) {
        Map.Entry<String, JsonElement> e = find(names);
        if (e == null || e.getValue().isJsonNull()) return null;
        JsonElement v = e.getValue();
        if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("UNet config field '" + e.getKey() + "' must be true or false, got " + v);
        }
        return v.getAsBoolean();
    }

    private static int toInt(JsonElement v, String field) {
        if (v instanceof JsonPrimitive p && p.isNumber()) {
            try {
                BigDecimal d = new BigDecimal(p.getAsString());
                if (d.scale() <= 0 || d.stripTrailingZeros().scale() <= 0) {
                    if (d.abs().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) <= 0) return d.intValueExact();
                    throw new IllegalArgumentException("UNet config field '" + field + "' is out of range: " + v);
                }
            } catch (NumberFormatException | ArithmeticException ignored) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("UNet config field '" + field + "' must be an integer, got "
                + (v == null || v instanceof JsonNull ? "null" : v.toString()));
    }
}
