package org.timetuner4j.testing;

/** A system property's value at creation, put back (or cleared, if it was unset) by {@link #close()}. */
public final class SavedProperty implements AutoCloseable {
    private final String key, value;

    private SavedProperty(String key) {
        this.key = key;
        this.value = System.getProperty(key);
    }

    public static SavedProperty of(String key) { return new SavedProperty(key); }

    /** Remembers the current value, then sets {@code newValue}. */
    public static SavedProperty set(String key, String newValue) {
        SavedProperty saved = new SavedProperty(key);
        System.setProperty(key, newValue);
        return saved;
    }

    @Override public void close() {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }
}
