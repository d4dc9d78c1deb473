package org.timetuner4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;
import org.timetuner4j.tensor.Tensor;

/** The typed argument list holds every launch to its kernel's declared parameters (no GPU: a recording launcher). */
class KernelArgsTest {
    private final List<Kernel> launched = new ArrayList<>();
    private final KernelArgs.Launcher recorder = new KernelArgs.Launcher() {
        @Override public CUdeviceptr ptr(Tensor t) { return new CUdeviceptr(); }

        @Override public void launch(Kernel kernel, Launch cfg, Pointer params) { launched.add(kernel); }
    };
    private final Launch one = new Launch(1, 1, 1, LaunchConfig.THREADS);

    @Test void aCompleteListInTheDeclaredOrderLaunches() {
        new KernelArgs(Kernel.SOFTMAX_ROWS_FWD, one, recorder).ptr(new CUdeviceptr()).i32(4).f32(0.5f).launch();
        new KernelArgs(Kernel.PHILOX_RANDN, one, recorder).ptr((Tensor) null).i32(4).i64(7).i64(0).launch();
        assertEquals(List.of(Kernel.SOFTMAX_ROWS_FWD, Kernel.PHILOX_RANDN), launched);
    }

    @Test void aWrongTypeIsRefusedAtItsPosition() {
        KernelArgs args = new KernelArgs(Kernel.SOFTMAX_ROWS_FWD, one, recorder).ptr(new CUdeviceptr());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> args.f32(0.5f));
        assertEquals("argument 1 of softmax_rows_fwd is I32, got F32", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new KernelArgs(Kernel.PHILOX_RANDN, one, recorder).ptr(new CUdeviceptr()).i32(4).i32(7));
        assertThrows(IllegalArgumentException.class,
                () -> new KernelArgs(Kernel.ADAM_STEP, one, recorder).ptr(new CUdeviceptr()).ptr(new CUdeviceptr())
                        .ptr(new CUdeviceptr()).ptr(new CUdeviceptr()).i32(1).f32(0.1f));
    }

    @Test void missingAndExtraArgumentsAreRefused() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new KernelArgs(Kernel.SOFTMAX_ROWS_FWD, one, recorder).ptr(new CUdeviceptr()).i32(4).launch());
        assertTrue(missing.getMessage().contains("takes 3 arguments, got 2"), missing.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new KernelArgs(Kernel.SOFTMAX_ROWS_FWD, one, recorder).ptr(new CUdeviceptr()).i32(4).f32(1f).f32(1f));
        assertEquals(List.of(), launched);
    }

    @Test void aNullLaunchShapeStillChecksTheList() {
        assertThrows(IllegalArgumentException.class,
                () -> new KernelArgs(Kernel.SOFTMAX_ROWS_FWD, null, recorder).ptr(new CUdeviceptr()).launch());
    }
}
