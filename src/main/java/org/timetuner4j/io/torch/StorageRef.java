package org.timetuner4j.io.torch;

/**
 * A storage announced by a checkpoint's pickle (a persistent id): the record {@code key} holding
 * its bytes, the element type, and the number of elements. Legacy files can also announce a
 * <i>view</i> of a storage: then {@code offset} elements into the storage called {@code key}
 * (0 otherwise). The bytes are read only when a tensor on this storage is materialised.
 *
 * @param key    the storage's name in the file ({@code data/<key>} in a zip archive, the
 *               decimal address in a legacy file)
 * @param type   the element type
 * @param numel  elements visible through this reference
 * @param offset elements from the start of the stored storage to this reference's first element
 */
public record StorageRef(String key, StorageType type, long numel, long offset) {
    @Override
    public String toString() {
        return type + " '" + Py.clean(key) + "' (" + numel + " elements)";
    }
}
