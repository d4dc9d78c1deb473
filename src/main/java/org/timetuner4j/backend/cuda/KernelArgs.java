package org.timetuner4j.backend.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.timetuner4j.tensor.Tensor;

/**
 * The arguments of one kernel launch, given in order by typed methods and checked one by one
 * against the kernel's declared {@link Kernel#params}: a wrong type, a missing or an extra
 * argument is an IllegalArgumentException naming the kernel and the position, never a kernel
 * that reads the wrong bytes. {@link #launch()} hands the complete list to the launcher.
 */
final class KernelArgs {
    /** Where the arguments go: tensors to device pointers, complete lists to the device. */
    interface Launcher {
        /** The device pointer of a tensor (the null pointer for null). */
        CUdeviceptr ptr(Tensor t);

        /** Runs a kernel on a complete argument list ({@code cfg} null: nothing to do). */
        void launch(Kernel kernel, Launch cfg, Pointer params);
    }

    private final Kernel kernel;
    private final Launch cfg;
    private final Launcher launcher;
    private final NativePointerObject[] values;
    private int count;

    KernelArgs(Kernel kernel, Launch cfg, Launcher launcher) {
        this.kernel = kernel;
        this.cfg = cfg;
        this.launcher = launcher;
        this.values = new NativePointerObject[kernel.params.size()];
    }

    /** A device pointer. */
    KernelArgs ptr(CUdeviceptr p) { return add(KernelParam.PTR, Pointer.to(p)); }

    /** A tensor's device pointer (the null pointer for null). */
    KernelArgs ptr(Tensor t) { return ptr(launcher.ptr(t)); }

    KernelArgs i32(int v) { return add(KernelParam.I32, Pointer.to(new int[] {v})); }

    KernelArgs i64(long v) { return add(KernelParam.I64, Pointer.to(new long[] {v})); }

    KernelArgs f32(float v) { return add(KernelParam.F32, Pointer.to(new float[] {v})); }

    KernelArgs f64(double v) { return add(KernelParam.F64, Pointer.to(new double[] {v})); }

    private KernelArgs add(KernelParam type, NativePointerObject value) {
        if (count == values.length)
            throw new IllegalArgumentException(kernel.entry + " takes " + values.length + " arguments, got more");
        KernelParam wanted = kernel.params.get(count);
        if (type != wanted)
            throw new IllegalArgumentException("argument " + count + " of " + kernel.entry + " is " + wanted + ", got " + type);
        values[count++] = value;
        return this;
    }

    /** Launches the kernel (nothing when the launch shape was null); every argument must be given. */
    void launch() {
        if (count != values.length)
            throw new IllegalArgumentException(kernel.entry + " takes " + values.length + " arguments, got " + count);
        launcher.launch(kernel, cfg, Pointer.to(values));
    }
}
