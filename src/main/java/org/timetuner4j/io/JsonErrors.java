package org.timetuner4j.io;

/** Gson's exception messages as one human line (no exception class, no troubleshooting link). */
public final class JsonErrors {
    private JsonErrors() {}

    public static String oneLine(Throwable e) {
        while (e.getCause() != null && e.getCause() != e) e = e.getCause();
        String m = e.getMessage();
        if (m == null) return e.getClass().getSimpleName();
        int see = m.indexOf("See https");
        if (see < 0) see = m.indexOf("\nSee ");
        if (see >= 0) m = m.substring(0, see);
        m = m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                .replaceAll("\\s+", " ").trim();
        return m.length() <= 160 ? m : m.substring(0, 157) + "...";
    }
}
