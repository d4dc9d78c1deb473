package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Field;
import jcuda.NativePointerObject;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import org.junit.jupiter.api.Test;

/** The raw address behind JCuda's device pointers and streams, checked without a driver. */
class RawAddressTest {
    private static final long BASE = 0x7f3a_0020_0000L;

    /** What cuMemAlloc / cuStreamCreate would do: write the address into the object. */
    private static <T extends NativePointerObject> T at(T p, long address) throws ReflectiveOperationException {
        Field f = NativePointerObject.class.getDeclaredField("nativePointer");
        f.setAccessible(true);
        f.setLong(p, address);
        return p;
    }

    @Test void aFreshPointerIsNull() {
        assertEquals(0L, RawAddress.of(new CUdeviceptr()));
        assertEquals(0L, RawAddress.of(new CUstream()));
    }

    @Test void aDevicePointerGivesItsAddressPlusItsByteOffset() throws ReflectiveOperationException {
        CUdeviceptr base = at(new CUdeviceptr(), BASE);
        assertEquals(BASE, RawAddress.of(base));
        assertEquals(BASE + 256, RawAddress.of(base.withByteOffset(256)));
        assertEquals(BASE + 256 + 12, RawAddress.of(base.withByteOffset(256).withByteOffset(12)));
        assertEquals(BASE, RawAddress.of(base), "the base pointer is unchanged");
    }

    @Test void aStreamGivesItsHandle() throws ReflectiveOperationException {
        assertEquals(BASE + 8, RawAddress.of(at(new CUstream(), BASE + 8)));
    }
}
