package org.timetuner4j.backend.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.nio.charset.StandardCharsets;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * The JCuda calls of the one-time probe, kept out of {@link CudaRuntime} so that loading that
 * class never touches JCuda; {@link CudaRuntime} catches whatever this throws.
 */
final class CudaProbe {
    private CudaProbe() {}

    static Object probe(int ordinal) {
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        int[] v = new int[1];
        cuDriverGetVersion(v);
        int driver = v[0];
        cuDeviceGetCount(v);
        int count = v[0];
        if (count == 0) return "the CUDA driver (CUDA " + driver / 1000 + "." + driver % 1000 / 10 + ") sees no device";
        if (ordinal < 0 || ordinal >= count) return "device " + ordinal + " requested, the driver sees " + count;
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, ordinal);
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, dev);
        int len = 0;
        while (len < name.length && name[len] != 0) len++;
        long[] mem = new long[1];
        cuDeviceTotalMem(mem, dev);
        return new CudaRuntime.DeviceInfo(ordinal, count, new String(name, 0, len, StandardCharsets.UTF_8),
                attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                mem[0], driver, attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
    }

    static int attribute(CUdevice dev, int attribute) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, attribute, dev);
        return v[0];
    }
}
