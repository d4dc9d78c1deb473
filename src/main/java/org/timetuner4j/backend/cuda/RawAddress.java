package org.timetuner4j.backend.cuda;

import java.lang.reflect.Field;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * The raw address held by a JCuda object (a device pointer, a stream), to hand it to another
 * binding. JCuda keeps it private: {@code NativePointerObject.nativePointer}, plus, for a
 * {@link Pointer} made by {@code withByteOffset}, {@code Pointer.byteOffset} (JCuda's native
 * side adds the two, so this does too).
 */
final class RawAddress {
    private static final Field NATIVE_POINTER = field(NativePointerObject.class, "nativePointer");
    private static final Field BYTE_OFFSET = field(Pointer.class, "byteOffset");

    private RawAddress() {}

    private static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this JCuda version has no readable " + owner.getSimpleName() + "." + name + ": " + e, e);
        }
    }

    /** The address {@code p} stands for (0 for a null pointer); not meaningful for pointers to Java arrays. */
    static long of(NativePointerObject p) {
        try {
            long a = NATIVE_POINTER.getLong(p);
            return p instanceof Pointer ? a + BYTE_OFFSET.getLong(p) : a;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
